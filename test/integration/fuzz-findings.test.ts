/**
 * Regression tests for bugs the fuzz suite (fuzz.test.ts) found: each one is the smallest input that
 * broke a rule — a 5xx, a missing ack, a background failure — now answered the way the edge promises.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOWED_ORIGIN, batch, rawEvent, sendCapture } from "../helpers/capture.js";
import { rowCounts } from "../helpers/db-counts.js";
import { adminHeaders, pilotlightHeaders } from "../helpers/signing.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { command, connectWidget, refusedConnection } from "../helpers/widget-client.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { SUGGESTIONS_ENABLED: "false", ALLOWED_ORIGINS: ALLOWED_ORIGIN } });
});
afterAll(async () => {
  await server.close();
});

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe("a path parameter that is not valid percent-encoding", () => {
  it("is a 400 malformed_url on the stream, not a 500", async () => {
    const res = await fetch(`${server.url}/v1/stream/%E0%A4%A`, { headers: { authorization: `Bearer ${TEST_SECRETS.STREAM_TOKEN}` } });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: "malformed_url", message: expect.stringContaining("percent-encoding") });
  });

  it("is a 400 malformed_url on the admin context route too", async () => {
    const before = await rowCounts(server.sql);
    const res = await fetch(`${server.url}/v1/sessions/%ZZ/context`, { headers: adminHeaders });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("malformed_url");
    expect(await rowCounts(server.sql)).toEqual(before);
  });
});

describe("a PostHog event whose timestamp is not a possible date", () => {
  it("is stored with the time of arrival instead of failing with a 500", async () => {
    const body = JSON.stringify({ event: { event: "$pageview", distinct_id: "ph-far", timestamp: 1e20, properties: { $time: 1e300, $current_url: "https://app.example.com/x" } } });
    const res = await fetch(`${server.url}/v1/webhooks/posthog`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-posthog-secret": TEST_SECRETS.POSTHOG_SECRET },
      body,
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, dropped: 0 });
  });
});

describe("a PostHog autocapture whose $event_type names an Object.prototype member", () => {
  it("is dropped as an unknown type (it used to reach the labeller as '__proto__' and fail with a 500)", async () => {
    for (const type of ["__proto__", "constructor", "toString"]) {
      const body = JSON.stringify([{ event: "$autocapture", distinct_id: "ph-proto", properties: { $event_type: type } }]);
      const res = await fetch(`${server.url}/v1/webhooks/posthog`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-posthog-secret": TEST_SECRETS.POSTHOG_SECRET },
        body,
      });
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ accepted: 0, duplicates: 0, dropped: 1 });
    }
  });
});

describe("widget commands sent without a payload, with extra arguments, or under an unknown name", () => {
  /** Emits with any arguments and resolves with the ack (socket.io passes the callback last). */
  const emitRaw = (socket: Awaited<ReturnType<typeof connectWidget>>, event: string, ...args: unknown[]) =>
    (socket.timeout(5_000) as unknown as { emitWithAck(e: string, ...a: unknown[]): Promise<unknown> }).emitWithAck(event, ...args);

  it("are all acknowledged (they used to leave the client waiting for an ack that never came)", async () => {
    const socket = await connectWidget(server.url, { sessionId: "s-ack-args" });
    try {
      const before = await rowCounts(server.sql);
      expect(await emitRaw(socket, "typing")).toEqual({ ok: false, error: { code: "invalid_payload", message: expect.stringContaining("typing:") } });
      expect(await emitRaw(socket, "message:send")).toMatchObject({ ok: false, error: { code: "invalid_payload" } });
      expect(await emitRaw(socket, "nope:nothing", { a: 1 })).toEqual({
        ok: false,
        error: { code: "unknown_event", message: expect.stringContaining('"nope:nothing"') },
      });
      expect(await rowCounts(server.sql)).toEqual(before);
      // Extra arguments after the payload are ignored; the command still runs and answers.
      expect(await emitRaw(socket, "conversation:sync", { afterSeq: 0 }, "extra", 42)).toEqual({ ok: true, data: { messages: [], hasMore: false } });
      expect(socket.connected).toBe(true);
    } finally {
      socket.close();
    }
  });
});

/**
 * zod measures the `length` of anything that has one, even a value that already failed its string check; an
 * object whose `length` cannot become a number made that measurement throw out of safeParse: a 500 from the
 * push webhook (fuzz.test.ts found it), and the same at every edge that validates with a length limit.
 */
describe("an object where a string is expected, with a `length` of its own", () => {
  const FALSE_LENGTH = { length: { toString: 0 } };

  it("is a 422 naming the field on the push webhook, and stores nothing", async () => {
    const before = await rowCounts(server.sql);
    const body = JSON.stringify({ actions: [{ type: FALSE_LENGTH, title: "__proto__", description: "", canonical_url: "/a/:id" }] });
    const res = await fetch(`${server.url}/v1/webhooks/actions`, { method: "POST", headers: { ...pilotlightHeaders(body), "content-type": "application/json" }, body });
    expect(res.status).toBe(422);
    expect(await errorOf(res)).toMatchObject({ code: "invalid_payload", message: expect.stringContaining("actions[0].type") });
    expect(await rowCounts(server.sql)).toEqual(before);
  });

  it("is a 422 naming the field on capture", async () => {
    const before = await rowCounts(server.sql);
    const res = await sendCapture(server.url, batch("fl-capture", [{ ...rawEvent("click", "/"), url: FALSE_LENGTH as unknown as string }]));
    expect(res.status).toBe(422);
    expect(res.json.error).toMatchObject({ code: "invalid_payload", message: expect.stringContaining("events[0].url") });
    expect(await rowCounts(server.sql)).toEqual(before);
  });

  it("is a 422 naming the field on the PostHog webhook", async () => {
    const before = await rowCounts(server.sql);
    const res = await fetch(`${server.url}/v1/webhooks/posthog`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-posthog-secret": TEST_SECRETS.POSTHOG_SECRET },
      body: JSON.stringify({ event: { event: FALSE_LENGTH, distinct_id: "ph-fl" } }),
    });
    expect(res.status).toBe(422);
    expect(await errorOf(res)).toMatchObject({ code: "invalid_payload", message: expect.stringContaining("event.event") });
    expect(await rowCounts(server.sql)).toEqual(before);
  });

  it("is a 422 on the admin workflows upload, and the workflows stay as they were", async () => {
    const workflows = async () => (await (await fetch(`${server.url}/v1/admin/workflows`, { headers: adminHeaders })).json()) as unknown;
    const before = await workflows();
    const res = await fetch(`${server.url}/v1/admin/workflows`, {
      method: "PUT",
      headers: { ...adminHeaders, "content-type": "application/json" },
      body: JSON.stringify({ workflows: [{ id: "invite", name: FALSE_LENGTH, steps: FALSE_LENGTH }] }),
    });
    expect(res.status).toBe(422);
    expect((await errorOf(res)).message).toContain("workflows[0].name");
    expect(await workflows()).toEqual(before);
  });

  it("is an invalid_payload ack for a widget command, and a refused handshake for the widget's auth", async () => {
    const socket = await connectWidget(server.url, { sessionId: "fl-widget" });
    try {
      const before = await rowCounts(server.sql);
      const ack = await command(socket, "message:send", { clientMessageId: "m-1", text: FALSE_LENGTH as unknown as string });
      expect(ack).toMatchObject({ ok: false, error: { code: "invalid_payload", message: expect.stringContaining("text") } });
      expect(await rowCounts(server.sql)).toEqual(before);
    } finally {
      socket.close();
    }
    const refused = await refusedConnection(server.url, { sessionId: FALSE_LENGTH as unknown as string });
    expect(refused.code).toBe("invalid_auth");
    // The server still serves.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

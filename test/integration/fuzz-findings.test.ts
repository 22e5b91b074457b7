/**
 * Regression tests for bugs the fuzz suite (fuzz.test.ts) found: each one is the smallest input that
 * broke a rule — a 5xx, a missing ack, a background failure — now answered the way the edge promises.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "../helpers/db-counts.js";
import { adminHeaders } from "../helpers/signing.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { connectWidget } from "../helpers/widget-client.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { SUGGESTIONS_ENABLED: "false" } });
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

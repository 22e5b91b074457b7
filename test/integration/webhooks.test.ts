import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signConnector, signPilotlight } from "../../server/ingest/push-signature.js";
import { ingestRowCounts, rowCounts } from "../helpers/db-counts.js";
import { fixtureJson, fixtureText } from "../helpers/fixtures.js";
import { adminHeaders, connectorHeaders, nowSeconds, pilotlightHeaders, pushEvent } from "../helpers/signing.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function post(body: BodyInit, headers: Record<string, string>) {
  const res = await fetch(`${server.url}/v1/webhooks/actions`, { method: "POST", headers, body });
  const text = await res.text();
  let json: { error: { code: string; message: string; issues?: { path: string; message: string }[] } } = {
    error: { code: "(not json)", message: text },
  };
  try {
    json = JSON.parse(text);
  } catch {
    /* asserted by the caller */
  }
  return { status: res.status, json, text };
}

async function context(sessionId: string, productId?: string) {
  const q = productId ? `?product_id=${encodeURIComponent(productId)}` : "";
  const res = await fetch(`${server.url}/v1/sessions/${encodeURIComponent(sessionId)}/context${q}`, { headers: adminHeaders });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe("POST /v1/webhooks/actions", () => {
  it("accepts the signed fixture, reports re-delivery as duplicates, and renders the context text exactly", async () => {
    const fixture = fixtureText("autoplay-actions.json");
    const first = await post(fixture, pilotlightHeaders(fixture));
    expect(first.status).toBe(202);
    expect(first.json).toEqual({ accepted: 4, duplicates: 0 });

    const again = await post(fixture, connectorHeaders(fixture));
    expect(again.status).toBe(202);
    expect(again.json).toEqual({ accepted: 0, duplicates: 4 });

    const ctx = await context("ps_7f3a9c");
    expect(ctx.status).toBe(200);
    expect(ctx.body.text).toBe(fixtureText("autoplay-actions.txt"));
    expect(ctx.body.counts).toEqual({ actions: 4, in_window: 4, summarized: 0, by_type: { click: 1, pageview: 1, submit: 1, type: 1 } });
    expect(ctx.body.user_id).toBe("user_42");
    expect(ctx.body.recent_actions).toHaveLength(4);
    expect(ctx.body.recent_actions[1]).toMatchObject({ index: 1, type: "click", title: "Click 'New invoice' button" });
  });

  it("stores a payload once when it is delivered many times concurrently", async () => {
    const event = { type: "actions", session_id: "s-concurrent", actions: [
      { type: "click", title: "a", description: "a", canonical_url: "/a", timestamp_start: 1 },
      { type: "click", title: "b", description: "b", canonical_url: "/b", timestamp_start: 2 },
    ] };
    const results = await Promise.all(Array.from({ length: 12 }, () => pushEvent(server.url, event)));
    expect(results.every((r) => r.status === 202)).toBe(true);
    expect(results.reduce((n, r) => n + (r.body.accepted as number), 0)).toBe(2);
    expect(results.reduce((n, r) => n + (r.body.duplicates as number), 0)).toBe(22);
    expect((await context("s-concurrent")).body.counts.actions).toBe(2);
  });

  it("keeps the same click sent again in a later batch with its own timestamp", async () => {
    const action = { type: "click", title: "Click 'Save'", description: "User clicked Save", canonical_url: "/x" };
    const a = await pushEvent(server.url, { type: "actions", session_id: "s-repeat", actions: [{ ...action, timestamp_start: 100 }] });
    const b = await pushEvent(server.url, { type: "actions", session_id: "s-repeat", actions: [{ ...action, timestamp_start: 105 }] });
    expect(a.body).toEqual({ accepted: 1, duplicates: 0 });
    expect(b.body).toEqual({ accepted: 1, duplicates: 0 });
    expect((await context("s-repeat")).body.counts.actions).toBe(2);
  });

  it("dedupes untimed actions by forwarded_at and index", async () => {
    const event = { type: "actions", session_id: "s-untimed", forwarded_at: 50, actions: [fixtureJson<any>("autoplay-minimal.json").actions[0]] };
    expect((await pushEvent(server.url, event)).body).toEqual({ accepted: 1, duplicates: 0 });
    expect((await pushEvent(server.url, event)).body).toEqual({ accepted: 0, duplicates: 1 });
    expect((await pushEvent(server.url, { ...event, forwarded_at: 51 })).body).toEqual({ accepted: 1, duplicates: 0 });
  });

  it("accepts an empty actions list without storing anything", async () => {
    const before = await rowCounts(server.sql);
    expect((await pushEvent(server.url, { type: "actions", session_id: "s-empty", actions: [] })).body).toEqual({ accepted: 0, duplicates: 0 });
    expect(await rowCounts(server.sql)).toEqual(before);
  });

  it("uses the session every action carries when the batch has none", async () => {
    const res = await pushEvent(server.url, {
      type: "actions",
      actions: [{ title: "t", description: "from actions", canonical_url: "/a", session_id: "s-from-actions" }],
    });
    expect(res.status).toBe(202);
    expect((await context("s-from-actions")).body.text).toContain("from actions");
  });

  it("sets the session's summary from a summary event, and dedupes it", async () => {
    const summary = fixtureJson("autoplay-summary.json");
    const first = await pushEvent(server.url, summary);
    expect(first).toEqual({ status: 202, body: { accepted: 1, duplicates: 0 } });
    expect((await pushEvent(server.url, summary)).body).toEqual({ accepted: 0, duplicates: 1 });
    const ctx = await context("ps_7f3a9c");
    expect(ctx.body.summary).toMatchObject({ text: summary.summary, replaces: 4, source: "push" });
    // The four summarised actions have left the window.
    expect(ctx.body.counts).toMatchObject({ actions: 4, in_window: 0, summarized: 4 });
    expect(ctx.body.text).toBe("Session ps_7f3a9c \u2014 0 actions");
  });

  describe("refuses bad input with a clear 4xx and stores nothing", () => {
    const valid = JSON.stringify({ type: "actions", session_id: "s-bad", actions: [{ title: "t", description: "d", canonical_url: "/" }] });
    let before: Record<string, number>;
    beforeEach(async () => {
      before = await ingestRowCounts(server.sql);
    });

    const cases: [string, () => Promise<{ status: number; json: any }>, number, RegExp][] = [
      ["a bad signature", () => post(valid, pilotlightHeaders(valid, "wrong-secret-wrong-secret")), 401, /does not match/],
      ["a missing signature", () => post(valid, { "content-type": "application/json" }), 401, /missing signature/],
      [
        "a stale t= (over 300 s)",
        () => post(valid, pilotlightHeaders(valid, TEST_SECRETS.PUSH_SECRET, nowSeconds() - 301)),
        401,
        /tolerance is 300 s/,
      ],
      ["malformed JSON", () => post('{"type":"actions",', pilotlightHeaders('{"type":"actions",')), 400, /not valid JSON/],
      [
        "a non-JSON content type",
        () => post(valid, { ...pilotlightHeaders(valid), "content-type": "text/plain" }),
        415,
        /Content-Type must be application\/json/,
      ],
      ["no content type", () => post(new TextEncoder().encode(valid), { "x-connector-signature": signConnector(TEST_SECRETS.PUSH_SECRET, valid) }), 415, /none was sent/],
      [
        "a body over 1 MiB",
        () => {
          const big = JSON.stringify({ type: "actions", session_id: "s-bad", pad: "x".repeat(1024 * 1024) });
          return post(big, pilotlightHeaders(big));
        },
        413,
        /exceeds the limit of 1048576 bytes/,
      ],
      [
        "a missing session_id",
        () => {
          const b = JSON.stringify({ type: "actions", actions: [{ title: "t", description: "d", canonical_url: "/" }] });
          return post(b, pilotlightHeaders(b));
        },
        422,
        /session_id is required/,
      ],
      [
        "actions that are not an array",
        () => {
          const b = JSON.stringify({ type: "actions", session_id: "s-bad", actions: { 0: "x" } });
          return post(b, pilotlightHeaders(b));
        },
        422,
        /actions must be an array/,
      ],
      [
        "a 100,000-character title",
        () => {
          const b = JSON.stringify({ type: "actions", session_id: "s-bad", actions: [{ title: "x".repeat(100_000), description: "d", canonical_url: "/" }] });
          return post(b, pilotlightHeaders(b));
        },
        422,
        /actions\[0\]\.title: must be at most 500 characters/,
      ],
      [
        "an unknown product",
        () => {
          const b = JSON.stringify({ type: "actions", product_id: "nope", session_id: "s-bad", actions: [] });
          return post(b, pilotlightHeaders(b));
        },
        404,
        /unknown product "nope"/,
      ],
      [
        "a valid signature replayed over a tampered body",
        () => {
          const tampered = valid.replace('"t"', '"T"');
          return post(tampered, { "content-type": "application/json", "x-pilotlight-signature": signPilotlight(TEST_SECRETS.PUSH_SECRET, valid, nowSeconds()) });
        },
        401,
        /does not match/,
      ],
    ];

    for (const [name, send, status, message] of cases) {
      it(`${name} → ${status}`, async () => {
        const res = await send();
        expect(res.status).toBe(status);
        expect(res.json.error.message).toMatch(message);
        expect(typeof res.json.error.code).toBe("string");
        expect(await ingestRowCounts(server.sql)).toEqual(before);
      });
    }

    it("lists schema problems as {path, message}", async () => {
      const b = JSON.stringify({ type: "actions", session_id: "s-bad", actions: [{ title: 1, description: "d" }] });
      const res = await post(b, pilotlightHeaders(b));
      expect(res.status).toBe(422);
      expect(res.json.error.issues).toEqual(
        expect.arrayContaining([
          { path: "actions[0].title", message: "title must be a string" },
          { path: "actions[0].canonical_url", message: "canonical_url must be a string" },
        ]),
      );
      expect(await ingestRowCounts(server.sql)).toEqual(before);
    });

    it("keeps serving after all of that", async () => {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await pushEvent(server.url, JSON.parse(valid))).status).toBe(202);
    });
  });
});

describe("GET /v1/sessions/:sessionId/context", () => {
  it("requires the admin token", async () => {
    const none = await fetch(`${server.url}/v1/sessions/ps_7f3a9c/context`);
    expect(none.status).toBe(401);
    const wrong = await fetch(`${server.url}/v1/sessions/ps_7f3a9c/context`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as any).error.code).toBe("bad_token");
  });

  it("answers 404 for an unknown session or product", async () => {
    expect((await context("never-seen")).status).toBe(404);
    expect((await context("ps_7f3a9c", "other")).status).toBe(404);
  });
});

describe("health", () => {
  it("GET /healthz and /readyz answer ok with a migrated database", async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as any).checks.database.ok).toBe(true);
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await fetch(`${server.url}/v1/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.code).toBe("not_found");
  });
});

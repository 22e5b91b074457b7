import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ingestRowCounts, rowCounts } from "../helpers/db-counts.js";
import { ALLOWED_ORIGIN, batch, rawEvent, sendCapture } from "../helpers/capture.js";
import { fixtureJson } from "../helpers/fixtures.js";
import { waitForGoal } from "../helpers/goals.js";
import { adminHeaders, pushEvent } from "../helpers/signing.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";

let server: TestServer;
const SAME_ORIGIN_KEY = "pk_same_origin_0123456789";

beforeAll(async () => {
  // No background suggestions: a conversation they create later would land in a "stores nothing" snapshot.
  server = await startTestServer({ env: { ALLOWED_ORIGINS: `${ALLOWED_ORIGIN},https://admin.example.com`, SUGGESTIONS_ENABLED: "false" } });
  const base = server.instance.defaultProduct;
  const now = Date.now();
  // A second product with no allowed origins: same-origin only.
  await server.repos.products.save({ ...base, id: "same-origin", productKey: SAME_ORIGIN_KEY, allowedOrigins: [], createdAt: now, updatedAt: now });
});
afterAll(async () => {
  await server.close();
});

async function context(sessionId: string, productId = "demo") {
  const res = await fetch(`${server.url}/v1/sessions/${encodeURIComponent(sessionId)}/context?product_id=${productId}`, { headers: adminHeaders });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe("POST /v1/capture", () => {
  it("labels a batch from an allowed origin, commits it, and lets that origin read the answer", async () => {
    const events = [
      rawEvent("pageview", `${ALLOWED_ORIGIN}/invoices`, undefined, { title: "Invoices · Acme Invoices" }),
      rawEvent("click", `${ALLOWED_ORIGIN}/invoices`, { tag: "a", text: "New invoice", href: "/invoices/new" }),
      rawEvent("pageview", `${ALLOWED_ORIGIN}/invoices/new`),
      rawEvent("change", `${ALLOWED_ORIGIN}/invoices/new`, { tag: "input", input_type: "text", label: "Customer" }),
    ];
    const res = await sendCapture(server.url, batch("cap-good", events, { user_id: "user_7" }));
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ accepted: 4, duplicates: 0 });
    expect(res.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    expect(res.headers.get("vary")).toMatch(/Origin/);

    const ctx = await context("cap-good");
    expect(ctx.status).toBe(200);
    expect(ctx.body.user_id).toBe("user_7");
    expect(ctx.body.recent_actions.map((a: any) => [a.type, a.title, a.canonical_url])).toEqual([
      ["pageview", "Page Load: Invoices", `${ALLOWED_ORIGIN}/invoices`],
      ["click", "Click 'New invoice' link", `${ALLOWED_ORIGIN}/invoices`],
      ["pageview", "Page Load: New invoice", `${ALLOWED_ORIGIN}/invoices/new`],
      ["type", "Type in 'Customer' field", `${ALLOWED_ORIGIN}/invoices/new`],
    ]);
    expect(ctx.body.recent_actions[3].description).toBe("User typed in the Customer field on the New invoice page");
    expect(ctx.body.recent_actions[0].timestamp_start).toBe(events[0]!.ts / 1000);
    // Grouping: the session is placed in the demo's invoice workflow (after the answer, off the request path).
    await waitForGoal(server, "cap-good", "Create and send an invoice");
    expect((await context("cap-good")).body).toMatchObject({ goal: "Create and send an invoice", goal_source: "workflow" });
    expect((await server.sql.all<{ source: string }>("SELECT DISTINCT source FROM actions a JOIN sessions s ON s.id = a.session_ref WHERE s.session_key = ?", ["cap-good"])).map((r) => r.source)).toEqual(["capture"]);
  });

  it("accepts text/plain (what sendBeacon sends)", async () => {
    const body = batch("cap-beacon", [rawEvent("click", "/reports", { tag: "button", text: "Export CSV" })]);
    const res = await sendCapture(server.url, JSON.stringify(body), { contentType: "text/plain;charset=UTF-8" });
    expect(res.status).toBe(202);
    expect(res.json.accepted).toBe(1);
    expect((await context("cap-beacon")).body.recent_actions[0].title).toBe("Click 'Export CSV' button");
  });

  it("stores a retried batch once, and keeps the same click sent later with its own time", async () => {
    const click = rawEvent("click", "/reports", { tag: "button", text: "Refresh" });
    const first = batch("cap-retry", [rawEvent("pageview", "/reports"), click]);
    expect((await sendCapture(server.url, first)).json).toEqual({ accepted: 2, duplicates: 0 });
    const before = await rowCounts(server.sql);
    expect((await sendCapture(server.url, first)).json).toEqual({ accepted: 0, duplicates: 2 });
    expect(await rowCounts(server.sql)).toEqual(before);
    const again = { ...click, ts: click.ts + 5000 };
    expect((await sendCapture(server.url, batch("cap-retry", [again]))).json).toEqual({ accepted: 1, duplicates: 0 });
    expect((await context("cap-retry")).body.counts.actions).toBe(3);
  });

  it("accepts an empty batch without storing anything", async () => {
    const before = await rowCounts(server.sql);
    const res = await sendCapture(server.url, batch("cap-empty", []));
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ accepted: 0, duplicates: 0 });
    expect(await rowCounts(server.sql)).toEqual(before);
  });

  it("accepts any origin when ALLOWED_ORIGINS is '*', echoing it rather than '*'", async () => {
    const open = await startTestServer({ env: { ALLOWED_ORIGINS: "*" } });
    try {
      const origin = "https://anything.example.net";
      const res = await sendCapture(open.url, batch("cap-any", [rawEvent("pageview", "/x")]), { origin });
      expect(res.status).toBe(202);
      expect(res.headers.get("access-control-allow-origin")).toBe(origin);
      const pre = await fetch(`${open.url}/v1/capture`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-origin")).toBe(origin);
    } finally {
      await open.close();
    }
  });

  describe("a product without allowed origins accepts only its own origin", () => {
    it("same origin (Origin's host equals Host) → 202", async () => {
      const res = await sendCapture(server.url, batch("cap-same", [rawEvent("pageview", "/")], { product_key: SAME_ORIGIN_KEY }), { origin: server.url });
      expect(res.status).toBe(202);
      expect((await context("cap-same", "same-origin")).body.counts.actions).toBe(1);
    });

    it("another origin → 403 explaining ALLOWED_ORIGINS, storing nothing", async () => {
      const before = await rowCounts(server.sql);
      const res = await sendCapture(server.url, batch("cap-same-x", [rawEvent("pageview", "/")], { product_key: SAME_ORIGIN_KEY }), {
        origin: `http://localhost:${server.port}`,
      });
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe("origin_not_allowed");
      expect(res.json.error.message).toMatch(/no allowed origins.*ALLOWED_ORIGINS/);
      // Readable by the refused page (so capture.js can tell its developer), and nothing more.
      expect(res.headers.get("access-control-allow-origin")).toBe(`http://localhost:${server.port}`);
      expect(await rowCounts(server.sql)).toEqual(before);
    });
  });

  describe("CORS preflight", () => {
    const preflight = (origin?: string) =>
      fetch(`${server.url}/v1/capture`, {
        method: "OPTIONS",
        headers: { ...(origin ? { origin } : {}), "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });

    it("answers an allowed origin with that origin, POST, content-type and a max-age", async () => {
      const res = await preflight("https://admin.example.com");
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe("https://admin.example.com");
      expect(res.headers.get("access-control-allow-methods")).toBe("POST");
      expect(res.headers.get("access-control-allow-headers")).toBe("content-type");
      expect(Number(res.headers.get("access-control-max-age"))).toBeGreaterThan(0);
      expect(res.headers.get("vary")).toMatch(/Origin/);
    });

    it("refuses other origins and a preflight without Origin, with no CORS headers", async () => {
      for (const res of [await preflight("https://evil.example.org"), await preflight()]) {
        expect(res.status).toBe(403);
        expect(res.headers.get("access-control-allow-origin")).toBeNull();
        expect(((await res.json()) as any).error.code).toBe("origin_not_allowed");
      }
    });
  });

  describe("refuses bad input with a clear 4xx and stores nothing", () => {
    const good = () => batch("cap-bad", [rawEvent("click", "/x", { tag: "button", text: "A" })]);
    let before: Record<string, number>;
    beforeEach(async () => {
      before = await ingestRowCounts(server.sql);
    });

    const cases: [string, () => ReturnType<typeof sendCapture>, number, string, RegExp][] = [
      ["an unknown product key", () => sendCapture(server.url, { ...good(), product_key: "pk_nope_0123456789" }), 401, "unknown_product_key", /does not match any product/],
      ["a missing product key", () => sendCapture(server.url, { ...good(), product_key: undefined }), 401, "missing_product_key", /product_key is missing/],
      ["a disallowed origin", () => sendCapture(server.url, good(), { origin: "https://evil.example.org" }), 403, "origin_not_allowed", /origin https:\/\/evil\.example\.org is not allowed: add it to ALLOWED_ORIGINS/],
      ["a missing Origin", () => sendCapture(server.url, good(), { origin: null }), 403, "missing_origin", /no Origin header/],
      ["an opaque Origin (null)", () => sendCapture(server.url, good(), { origin: "null" }), 403, "origin_not_allowed", /"null" is not allowed/],
      ["malformed JSON behind a real key", () => sendCapture(server.url, `{"product_key":"${TEST_SECRETS.PRODUCT_KEY}","events":[`), 400, "malformed_json", /not valid JSON/],
      ["malformed JSON without a key", () => sendCapture(server.url, '{"product_key":', {}), 401, "invalid_product_key", /must be a JSON string of 8–128 letters/],
      ["an empty body", () => sendCapture(server.url, "", {}), 401, "missing_product_key", /product_key is missing/],
      ["a key of the wrong shape", () => sendCapture(server.url, { ...good(), product_key: "pk nope" }), 401, "invalid_product_key", /8–128 letters, digits/],
      ["a form-encoded body", () => sendCapture(server.url, "a=1", { contentType: "application/x-www-form-urlencoded" }), 415, "unsupported_media_type", /application\/json or text\/plain/],
      [
        "a body over CAPTURE_MAX_BODY_BYTES",
        () => sendCapture(server.url, { ...good(), pad: "x".repeat(300 * 1024) }),
        413,
        "payload_too_large",
        /exceeds the limit of 262144 bytes/,
      ],
      [
        "more than 100 events",
        () => sendCapture(server.url, batch("cap-bad", Array.from({ length: 101 }, () => rawEvent("pageview", "/x")))),
        422,
        "invalid_payload",
        /events: events must hold at most 100 events per request/,
      ],
      ["an unknown event type", () => sendCapture(server.url, batch("cap-bad", [{ ...rawEvent("pageview", "/x"), type: "scroll" as "click" }])), 422, "invalid_payload", /events\[0\]\.type: type must be one of pageview, click/],
      ["an event without ts", () => sendCapture(server.url, batch("cap-bad", [{ type: "click", url: "/x" } as never])), 422, "invalid_payload", /events\[0\]\.ts: ts must be a number/],
      ["a ts in seconds far in the future", () => sendCapture(server.url, batch("cap-bad", [{ ...rawEvent("click", "/x"), ts: 1e15 }])), 422, "invalid_payload", /ts must be milliseconds/],
      ["events that are not an array", () => sendCapture(server.url, { ...good(), events: { 0: 1 } }), 422, "invalid_payload", /events must be an array/],
      ["a missing session_id", () => sendCapture(server.url, { ...good(), session_id: " " }), 422, "invalid_payload", /session_id is required/],
      [
        "a 2,000-character element text",
        () => sendCapture(server.url, batch("cap-bad", [rawEvent("click", "/x", { tag: "button", text: "x".repeat(2000) })])),
        422,
        "invalid_payload",
        /events\[0\]\.target\.text: must be at most 1000 characters/,
      ],
      ["a JSON array body", () => sendCapture(server.url, [good()]), 401, "invalid_product_key", /once, at the top level/],
      ["a nested key before the real one", () => sendCapture(server.url, `{"x":{"product_key":"pk_other_0123456789"},${JSON.stringify(good()).slice(1)}`), 401, "unknown_product_key", /does not match any product/],
    ];

    for (const [name, send, status, code, message] of cases) {
      it(`${name} → ${status}`, async () => {
        const res = await send();
        expect(res.status).toBe(status);
        expect(res.json.error.code).toBe(code);
        expect(res.json.error.message).toMatch(message);
        expect(await ingestRowCounts(server.sql)).toEqual(before);
      });
    }

    it("lets a refused page read why (CORS for its origin on the refusal, a JSON reason) without accepting anything", async () => {
      const allowed = await sendCapture(server.url, batch("cap-bad", [{ type: "nope" } as never]));
      expect(allowed.status).toBe(422);
      expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
      for (const res of [
        await sendCapture(server.url, good(), { origin: "https://evil.example.org" }),
        await sendCapture(server.url, { ...good(), product_key: "pk_wrong_0123456789" }, { origin: "https://evil.example.org" }),
      ]) {
        expect(res.status).toBeGreaterThanOrEqual(401);
        expect(res.headers.get("access-control-allow-origin")).toBe("https://evil.example.org");
        expect(res.headers.get("access-control-allow-credentials")).toBeNull();
        expect(res.json.error.code).toMatch(/^(origin_not_allowed|unknown_product_key)$/);
        expect(res.json.error.message).toMatch(/ALLOWED_ORIGINS|PRODUCT_KEY/);
      }
      expect(await ingestRowCounts(server.sql)).toEqual(before);
    });

    it("keeps serving after all of that", async () => {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await sendCapture(server.url, good())).status).toBe(202);
    });
  });
});

describe("session goal (grouping) after any ingest", () => {
  it("is inferred from pushed actions too, and follows the session as it moves on", async () => {
    expect((await pushEvent(server.url, fixtureJson("autoplay-actions.json"))).status).toBe(202);
    await waitForGoal(server, "ps_7f3a9c", "Create and send an invoice");
    expect((await context("ps_7f3a9c")).body).toMatchObject({ goal: "Create and send an invoice", goal_source: "workflow" });
  });

  it("falls back to a heuristic outside any workflow", async () => {
    await sendCapture(
      server.url,
      batch("cap-goal", [
        rawEvent("pageview", "/customers"),
        rawEvent("click", "/customers", { tag: "button", text: "Archive customer" }),
      ]),
    );
    // The first ingest of a session refreshes its goal right after the answer (off the request path).
    await waitForGoal(server, "cap-goal", "Archive customer on the Customers page");
    expect((await context("cap-goal")).body).toMatchObject({ goal: "Archive customer on the Customers page", goal_source: "heuristic" });
    // Ingests within the next second are folded into one refresh at its end.
    const moved = waitForGoal(server, "cap-goal", "Update the payment method");
    await sendCapture(server.url, batch("cap-goal", [rawEvent("pageview", "/settings/billing")]));
    await moved;
    expect((await context("cap-goal")).body).toMatchObject({ goal: "Update the payment method", goal_source: "workflow" });
  });

  it("uses the same product key in every test (sanity)", () => {
    expect(server.instance.defaultProduct.productKey).toBe(TEST_SECRETS.PRODUCT_KEY);
  });
});

/**
 * POST /v1/webhooks/actions is served ahead of express (http/push-fast-path.ts) for plain bodies, while a
 * compressed body still goes through the express route. Both must answer alike: same status, body, error
 * code, security and rate-limit headers, and the same metrics.
 */
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleValue, scrape } from "../helpers/metrics-text.js";
import { pilotlightHeaders } from "../helpers/signing.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { SUGGESTIONS_ENABLED: "false", RATE_LIMIT_WEBHOOK_PER_MIN: "1000" } });
});
afterAll(async () => {
  await server.close();
});

/** Headers that describe the transfer, not the answer. */
const TRANSPORT = new Set(["date", "content-length", "connection", "keep-alive", "etag", "transfer-encoding"]);

async function send(body: string, headers: Record<string, string>, gzip: boolean) {
  const res = await fetch(`${server.url}/v1/webhooks/actions`, {
    method: "POST",
    headers: gzip ? { ...headers, "content-encoding": "gzip" } : headers,
    body: gzip ? gzipSync(body) : body,
  });
  const answer = Object.fromEntries([...res.headers].filter(([name]) => !TRANSPORT.has(name)));
  // The remaining count differs by one between the two requests of a pair.
  if (answer.ratelimit) answer.ratelimit = answer.ratelimit.replace(/remaining=\d+, reset=\d+/, "remaining=…, reset=…");
  return { status: res.status, body: (await res.json()) as unknown, headers: answer };
}

let n = 0;
const payload = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: "actions", session_id: `fast-${n}`, actions: [{ title: "t", description: "d", canonical_url: "/", timestamp_start: ++n }], ...extra });

describe("POST /v1/webhooks/actions on the fast path and through express", () => {
  const cases: [string, () => { body: string; headers: Record<string, string> }][] = [
    ["a valid payload", () => { const body = payload(); return { body, headers: pilotlightHeaders(body) }; }],
    ["a wrong signature", () => { const body = payload(); return { body, headers: pilotlightHeaders(body, "not-the-secret-0123456789") }; }],
    ["no signature", () => ({ body: payload(), headers: { "content-type": "application/json" } })],
    ["malformed JSON, signed", () => ({ body: "{nope", headers: pilotlightHeaders("{nope") })],
    ["an unknown product", () => { const body = payload({ product_id: "nope" }); return { body, headers: pilotlightHeaders(body) }; }],
    ["a schema error", () => { const body = JSON.stringify({ type: "actions", actions: [{ title: 1 }] }); return { body, headers: pilotlightHeaders(body) }; }],
    ["another content type", () => { const body = payload(); return { body, headers: { ...pilotlightHeaders(body), "content-type": "text/plain" } }; }],
  ];
  for (const [name, make] of cases) {
    it(`answers ${name} the same way`, async () => {
      const plain = make();
      const fast = await send(plain.body, plain.headers, false);
      const compressed = make();
      const viaExpress = await send(compressed.body, compressed.headers, true);
      expect(fast.status).toBe(viaExpress.status);
      expect(fast.headers).toEqual(viaExpress.headers);
      expect(fast.body).toEqual(viaExpress.body);
    });
  }

  it("counts requests of both paths under the one route pattern", async () => {
    const text = await scrape(server.url);
    const accepted = sampleValue(text, "pilotlight_http_requests_total", { method: "POST", route: "/v1/webhooks/actions", status: "202" });
    expect(accepted).toBe(2);
    expect(sampleValue(text, "pilotlight_ingests_total", { source: "push", result: "rejected", reason: "bad_signature" })).toBe(2);
    expect(sampleValue(text, "pilotlight_auth_failures_total", { route: "/v1/webhooks/actions", code: "missing_signature" })).toBe(2);
  });
});

import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.js";
import { CONTENT_SECURITY_POLICY } from "../../server/http/security-headers.js";
import { rowCounts } from "../helpers/db-counts.js";
import { sampleValue, scrape } from "../helpers/metrics-text.js";
import { pilotlightHeaders } from "../helpers/signing.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";

type ErrorBody = { error: { code: string; message: string } };

const servers: TestServer[] = [];
async function start(env: Record<string, string>) {
  const server = await startTestServer({ env });
  servers.push(server);
  return server;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

let n = 0;
/** A valid, signed actions payload that stores one new action. */
function signedPush(server: TestServer, extra: { productId?: string; headers?: Record<string, string> } = {}) {
  const body = JSON.stringify({
    type: "actions",
    ...(extra.productId ? { product_id: extra.productId } : {}),
    session_id: "s-limits",
    actions: [{ title: `t${n}`, description: "d", canonical_url: "/", timestamp_start: ++n }],
  });
  return fetch(`${server.url}/v1/webhooks/actions`, {
    method: "POST",
    headers: { ...pilotlightHeaders(body), ...extra.headers },
    body,
  });
}

describe("rate limits", () => {
  it("has generous defaults that tests and normal senders never reach", () => {
    const config = loadConfig({});
    expect(config.RATE_LIMIT_WEBHOOK_PER_MIN).toBe(12_000);
    expect(config.RATE_LIMIT_PUBLIC_PER_MIN).toBe(1_200);
  });

  it("answers 429 with Retry-After and our JSON error once a product's sender passes the limit, storing nothing", async () => {
    const server = await start({ RATE_LIMIT_WEBHOOK_PER_MIN: "3" });
    for (let i = 0; i < 3; i++) {
      const ok = await signedPush(server);
      expect(ok.status).toBe(202);
      expect(ok.headers.get("ratelimit")).toMatch(/limit=3, remaining=\d, reset=\d+/);
    }
    const before = await rowCounts(server.sql);
    const refused = await signedPush(server);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await refused.json()) as ErrorBody;
    expect(body.error.code).toBe("rate_limited");
    expect(body.error.message).toMatch(/webhook limit is 3 per minute.*retry after \d+ s/);
    expect(await rowCounts(server.sql)).toEqual(before);

    const text = await scrape(server.url);
    expect(sampleValue(text, "pilotlight_rate_limited_total", { limiter: "webhook" })).toBe(1);
    expect(sampleValue(text, "pilotlight_ingests_total", { source: "push", result: "rejected", reason: "rate_limited" })).toBe(1);
  });

  it("keys per product: another real product from the same address has its own budget, made-up ones share one", async () => {
    const server = await start({ RATE_LIMIT_WEBHOOK_PER_MIN: "2" });
    const second = server.instance.defaultProduct;
    await server.repos.products.save({ ...second, id: "second", productKey: "pk_second_0123456789" });
    expect((await signedPush(server)).status).toBe(202);
    expect((await signedPush(server)).status).toBe(202);
    expect((await signedPush(server)).status).toBe(429);
    // Same push secret (copied product), so the signature checks out for "second".
    expect((await signedPush(server, { productId: "second" })).status).toBe(202);

    expect((await signedPush(server, { productId: "made-up-1" })).status).toBe(404);
    expect((await signedPush(server, { productId: "made-up-2" })).status).toBe(404);
    expect((await signedPush(server, { productId: "made-up-3" })).status).toBe(429);
  });

  it("keys per client address: X-Forwarded-For is ignored unless TRUST_PROXY says so", async () => {
    const direct = await start({ RATE_LIMIT_WEBHOOK_PER_MIN: "1" });
    expect((await signedPush(direct, { headers: { "x-forwarded-for": "203.0.113.1" } })).status).toBe(202);
    // A spoofed header does not buy a fresh budget when the proxy is not trusted.
    expect((await signedPush(direct, { headers: { "x-forwarded-for": "203.0.113.2" } })).status).toBe(429);

    const proxied = await start({ RATE_LIMIT_WEBHOOK_PER_MIN: "1", TRUST_PROXY: "loopback" });
    expect((await signedPush(proxied, { headers: { "x-forwarded-for": "203.0.113.1" } })).status).toBe(202);
    expect((await signedPush(proxied, { headers: { "x-forwarded-for": "203.0.113.1" } })).status).toBe(429);
    expect((await signedPush(proxied, { headers: { "x-forwarded-for": "203.0.113.2" } })).status).toBe(202);
  });

  it("offers check() for socket handshakes, keyed by product key and address (IPv6 by /56)", async () => {
    const server = await start({});
    const limiter = server.app.services.rateLimits.create({ name: "socket", perMinute: 2 });
    const key = { product: "pk_a", address: "127.0.0.1" };
    expect((await limiter.check(key)).allowed).toBe(true);
    expect(await limiter.check(key)).toMatchObject({ allowed: true, remaining: 0 });
    const refused = await limiter.check(key);
    expect(refused).toMatchObject({ allowed: false, limit: 2, remaining: 0 });
    expect(refused.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(limiter.errorFor(refused)).toMatchObject({ status: 429, code: "rate_limited" });
    expect((await limiter.check({ product: "pk_b", address: "127.0.0.1" })).allowed).toBe(true);
    expect((await limiter.check({ product: "pk_a", address: "127.0.0.2" })).allowed).toBe(true);

    await limiter.check({ product: "pk_a", address: "2001:db8:0:1::1" });
    await limiter.check({ product: "pk_a", address: "2001:db8:0:1::2" });
    expect((await limiter.check({ product: "pk_a", address: "2001:db8:0:1:ffff::9" })).allowed).toBe(false);
    expect(sampleValue(await scrape(server.url), "pilotlight_rate_limited_total", { limiter: "socket" })).toBe(2);
  });

  it("turns off with 0", async () => {
    const server = await start({ RATE_LIMIT_WEBHOOK_PER_MIN: "0" });
    const limiter = server.app.services.rateLimits.create({ name: "socket", perMinute: 0 });
    for (let i = 0; i < 5; i++) {
      expect((await signedPush(server)).status).toBe(202);
      expect((await limiter.check({ address: "127.0.0.1" })).allowed).toBe(true);
    }
  });
});

describe("security headers", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await start({});
  });

  it("sends a CSP that allows same-origin scripts and sockets but no inline script", async () => {
    const res = await fetch(`${server.url}/healthz`);
    const csp = res.headers.get("content-security-policy")!;
    const directives = Object.fromEntries(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives["default-src"]).toEqual(["'self'"]);
    expect(directives["script-src"]).toEqual(["'self'"]);
    expect(directives["script-src-attr"]).toEqual(["'none'"]);
    expect(directives["connect-src"]).toEqual(["'self'"]);
    expect(directives["object-src"]).toEqual(["'none'"]);
    expect(directives["frame-ancestors"]).toEqual(["'self'"]);
    expect(Object.keys(directives).sort()).toEqual(Object.keys(CONTENT_SECURITY_POLICY).sort());
    // Plain-HTTP self-hosting must keep working.
    expect(csp).not.toContain("upgrade-insecure-requests");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(res.headers.get("cross-origin-resource-policy")).toBe("same-origin");
    expect(res.headers.get("x-powered-by")).toBeNull();
  });

  it("lets other sites embed /widget.js and /capture.js", async () => {
    for (const path of ["/widget.js", "/capture.js"]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    }
  });

  it("keeps JSON error bodies on API errors", async () => {
    const res = await fetch(`${server.url}/v1/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await res.json()) as ErrorBody).error.code).toBe("not_found");
  });
});

/** Sends a body with the given transfer: a declared Content-Length, or chunked (no length up front). */
function send(url: string, method: string, headers: Record<string, string>, body: Buffer, chunked: boolean) {
  return new Promise<{ status: number; body: ErrorBody }>((resolve, reject) => {
    const u = new URL(url);
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method, headers: chunked ? headers : { ...headers, "content-length": body.length } },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as ErrorBody }));
      },
    );
    req.on("error", reject);
    if (chunked) {
      // Several writes so the reader sees the body grow past the limit while it is arriving.
      for (let i = 0; i < body.length; i += 1024) req.write(body.subarray(i, i + 1024));
      req.end();
    } else {
      req.end(body);
    }
  });
}

describe("body-size limits", () => {
  const MAX = 4096;
  let server: TestServer;
  beforeAll(async () => {
    server = await start({ MAX_BODY_BYTES: String(MAX) });
  });

  const oversized = Buffer.from(JSON.stringify({ type: "actions", session_id: "s-big", pad: "x".repeat(MAX) }));

  /** Every route that reads a body; add new ones here (capture, PostHog…). */
  const bodyRoutes: { name: string; method: string; path: string; headers: (body: Buffer) => Record<string, string> }[] = [
    {
      name: "POST /v1/webhooks/actions",
      method: "POST",
      path: "/v1/webhooks/actions",
      headers: (body) => pilotlightHeaders(body.toString(), TEST_SECRETS.PUSH_SECRET),
    },
  ];

  for (const route of bodyRoutes) {
    for (const chunked of [false, true]) {
      it(`${route.name}: a body over MAX_BODY_BYTES (${chunked ? "chunked" : "with Content-Length"}) gets 413 and stores nothing`, async () => {
        const before = await rowCounts(server.sql);
        const res = await send(`${server.url}${route.path}`, route.method, route.headers(oversized), oversized, chunked);
        expect(res.status).toBe(413);
        expect(res.body.error).toEqual({ code: "payload_too_large", message: `request body exceeds the limit of ${MAX} bytes` });
        expect(await rowCounts(server.sql)).toEqual(before);
      });
    }
  }

  it("refuses a declared oversized body on routes that never read one", async () => {
    const res = await send(`${server.url}/healthz`, "POST", { "content-type": "application/json" }, oversized, false);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

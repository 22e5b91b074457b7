/**
 * Memory exhaustion from public endpoints: nothing keyed by client input may grow with the number of
 * distinct keys an attacker sends. Cheap checks (product key format and existence) come before any
 * per-key state, and every rate limiter's store is bounded (`RATE_LIMIT_MAX_KEYS`). Store sizes are read
 * from `pilotlight_rate_limit_keys` on /metrics.
 */
import crypto from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { batch, rawEvent, sendCapture } from "../helpers/capture.js";
import { sampleValue, scrape } from "../helpers/metrics-text.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { refusedConnection } from "../helpers/widget-client.js";

const servers: TestServer[] = [];
async function start(env: Record<string, string> = {}) {
  const server = await startTestServer({ env: { ALLOWED_ORIGINS: "https://shop.example.com", ...env } });
  servers.push(server);
  return server;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const randomKey = (chars: number) => crypto.randomBytes(Math.ceil((chars * 3) / 4)).toString("base64url").slice(0, chars);

/** Runs `task(i)` for i in [0, n) with at most `width` in flight. */
async function flood<T>(n: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

const keysHeld = async (server: TestServer, limiter: string) => sampleValue(await scrape(server.url), "pilotlight_rate_limit_keys", { limiter }) ?? 0;

describe("a flood of requests with long random product keys", () => {
  it("is refused with 401 and leaves the capture limiter's store as it was", async () => {
    const server = await start();
    const statuses = await flood(400, 16, async (i) => {
      // Keys from 200 characters to 200 KB: the store used to keep every one of them.
      const key = randomKey(i % 40 === 0 ? 200_000 : 200 + (i % 50) * 40);
      return (await sendCapture(server.url, batch("s-flood", [rawEvent("pageview", "https://shop.example.com/")], { product_key: key }))).status;
    });
    expect(new Set(statuses)).toEqual(new Set([401]));
    expect(await keysHeld(server, "capture")).toBe(0);

    // The real key still works, and is the one key held.
    expect((await sendCapture(server.url, batch("s-flood", [rawEvent("pageview", "https://shop.example.com/")]))).status).toBe(202);
    expect(await keysHeld(server, "capture")).toBe(1);
  });

  it("in socket handshakes is refused and leaves the socket limiter with one bucket per address", async () => {
    const server = await start();
    const refusals = await flood(60, 8, (i) => refusedConnection(server.url, { productKey: randomKey(100 + i), sessionId: `s-${i}` }));
    expect(new Set(refusals.map((r) => r.code))).toEqual(new Set(["invalid_auth", "invalid_product_key"]));
    expect(await keysHeld(server, "socket")).toBeLessThanOrEqual(1);
  });
});

describe("every limiter's store is bounded by RATE_LIMIT_MAX_KEYS", () => {
  it("keeps at most that many client addresses per limiter, whatever the number of senders", async () => {
    const server = await start({ TRUST_PROXY: "true", RATE_LIMIT_MAX_KEYS: "50" });
    const from = (i: number) => `198.51.${i >> 8}.${i & 255}`;
    const statuses = await flood(300, 16, async (i) => {
      const headers = { "content-type": "text/plain", origin: "https://shop.example.com", "x-forwarded-for": from(i) };
      const capture = await fetch(`${server.url}/v1/capture`, {
        method: "POST",
        headers,
        body: JSON.stringify(batch(`s-addr-${i}`, [rawEvent("pageview", "https://shop.example.com/")])),
      });
      const posthog = await fetch(`${server.url}/v1/webhooks/posthog`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-posthog-secret": "wrong-secret-0123456789", "x-forwarded-for": from(i) },
        body: "{}",
      });
      return [capture.status, posthog.status];
    });
    expect(new Set(statuses.map(([c]) => c))).toEqual(new Set([202]));
    expect(new Set(statuses.map(([, p]) => p))).toEqual(new Set([401]));
    for (const limiter of ["capture", "posthog"]) expect(await keysHeld(server, limiter)).toBeLessThanOrEqual(50);
    expect(await keysHeld(server, "capture")).toBeGreaterThan(0);
  });
});

describe("the product key is checked before anything is kept for it", () => {
  it("answers a key of the wrong shape with 401 naming the format", async () => {
    const server = await start();
    const res = await sendCapture(server.url, batch("s-shape", [rawEvent("pageview", "https://shop.example.com/")], { product_key: "short" }));
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("invalid_product_key");
    expect(res.json.error.message).toMatch(/8–128 letters, digits, '_' or '-'/);
    expect(TEST_SECRETS.PRODUCT_KEY).toMatch(/^[A-Za-z0-9_-]{8,128}$/);
  });
});

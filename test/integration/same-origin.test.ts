/**
 * Probing and the same-origin rule. The stream answers 401 before 404, so product ids cannot be probed for
 * without a token. Pilotlight's own origin is always allowed (beside ALLOWED_ORIGINS): with PUBLIC_URL set
 * that is the configured public origin, not whatever Host header the client sent.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batch, rawEvent } from "../helpers/capture.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { connectWidget, refusedConnection } from "../helpers/widget-client.js";

const PUBLIC = "https://pilot.example.com";

/** POST /v1/capture with the Origin and Host headers of our choosing (fetch would not let us set Host). */
function capture(server: TestServer, origin: string, host?: string): Promise<number> {
  const body = JSON.stringify(batch("s-origin", [rawEvent("pageview", "/")]));
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${server.url}/v1/capture`,
      { method: "POST", headers: { "content-type": "text/plain", origin, ...(host ? { host } : {}) } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const SITE = "https://app.customer.example";

let open: TestServer;
let pinned: TestServer;
let pinnedWithSite: TestServer;
beforeAll(async () => {
  open = await startTestServer();
  pinned = await startTestServer({ env: { PUBLIC_URL: `${PUBLIC}/some/path` } });
  pinnedWithSite = await startTestServer({ env: { PUBLIC_URL: PUBLIC, ALLOWED_ORIGINS: SITE } });
});
afterAll(async () => {
  await Promise.all([open.close(), pinned.close(), pinnedWithSite.close()]);
});

describe("GET /v1/stream/:productId answers 401 before 404", () => {
  it("an unknown product with a wrong or missing token looks exactly like a known one", async () => {
    const get = async (product: string, token?: string) => {
      const res = await fetch(`${open.url}/v1/stream/${product}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      return { status: res.status, body: await res.json() };
    };
    expect(await get("no-such-product", "wrong-token-0123456789")).toEqual(await get("demo", "wrong-token-0123456789"));
    expect((await get("no-such-product", "wrong-token-0123456789")).status).toBe(401);
    expect(await get("no-such-product")).toEqual(await get("demo"));
    // Only a valid stream token learns that an id does not exist.
    expect((await get("no-such-product", TEST_SECRETS.STREAM_TOKEN)).status).toBe(404);
  });
});

describe("the same-origin rule", () => {
  it("without PUBLIC_URL, trusts the Host header the request came with (what README says)", async () => {
    expect(await capture(open, open.url)).toBe(202);
    expect(await capture(open, "https://evil.example.com", "evil.example.com")).toBe(202);
    expect(await capture(open, "https://evil.example.com")).toBe(403);
  });

  it("with PUBLIC_URL, accepts that origin only, whatever the Host header says", async () => {
    expect(await capture(pinned, PUBLIC)).toBe(202);
    expect(await capture(pinned, pinned.url)).toBe(403);
    expect(await capture(pinned, "https://evil.example.com", "evil.example.com")).toBe(403);
    expect(await capture(pinned, "http://pilot.example.com")).toBe(403);
  });

  it("with PUBLIC_URL, the widget handshake follows the same rule", async () => {
    const ok = await connectWidget(pinned.url, { sessionId: "s-pinned" }, { origin: PUBLIC });
    ok.close();
    expect((await refusedConnection(pinned.url, { sessionId: "s-pinned-2" }, { origin: pinned.url })).code).toBe("origin_not_allowed");
  });

  it("with PUBLIC_URL and ALLOWED_ORIGINS, its own public origin stays allowed beside them, still not a made-up Host", async () => {
    expect(await capture(pinnedWithSite, PUBLIC)).toBe(202);
    expect(await capture(pinnedWithSite, SITE)).toBe(202);
    expect(await capture(pinnedWithSite, "https://evil.example.com", "evil.example.com")).toBe(403);
    expect(await capture(pinnedWithSite, pinnedWithSite.url)).toBe(403);
    const own = await connectWidget(pinnedWithSite.url, { sessionId: "s-own-public" }, { origin: PUBLIC });
    own.close();
    const refused = await refusedConnection(pinnedWithSite.url, { sessionId: "s-spoofed" }, { origin: "https://evil.example.com" });
    expect(refused.code).toBe("origin_not_allowed");
  });

  it("with PUBLIC_URL, answers a capture preflight from that origin only", async () => {
    const preflight = async (origin: string) =>
      (await fetch(`${pinned.url}/v1/capture`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } })).status;
    expect(await preflight(PUBLIC)).toBe(204);
    expect(await preflight(pinned.url)).toBe(403);
  });
});

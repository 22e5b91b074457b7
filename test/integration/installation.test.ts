/**
 * An integrator's diagnostics: Pilotlight's own origin is always allowed (also with ALLOWED_ORIGINS set),
 * refusals say why — in the handshake's connect_error data, in the server log — and the admin Installation
 * endpoint lists the origins seen in the last hour and the last event per source, in bounded memory.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInstallationMonitor } from "../../server/admin/installation-monitor.js";
import { batch, rawEvent, sendCapture } from "../helpers/capture.js";
import { createMemoryLogger } from "../helpers/memory-logger.js";
import { adminHeaders, pushEvent } from "../helpers/signing.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { connectWidget, refusedConnection } from "../helpers/widget-client.js";

const SITE = "https://app.customer.example";
let server: TestServer;
const log = createMemoryLogger("info");

beforeAll(async () => {
  server = await startTestServer({ env: { ALLOWED_ORIGINS: SITE }, logger: log.logger });
});
afterAll(() => server?.close());

async function installation(query = "") {
  const res = await fetch(`${server.url}/v1/admin/installation${query}`, { headers: adminHeaders });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe("Pilotlight's own origin", () => {
  it("may send capture events and open the widget even when ALLOWED_ORIGINS lists other origins", async () => {
    const own = server.url;
    const res = await sendCapture(server.url, batch("own-origin", [rawEvent("pageview", `${own}/dashboard`)]), { origin: own });
    expect(res.status).toBe(202);
    const socket = await connectWidget(server.url, { sessionId: "own-origin" }, { origin: own });
    expect(socket.connected).toBe(true);
    socket.close();
  });
});

describe("refusals say why", () => {
  it("a refused handshake carries the code and the fix in connect_error data, and the server logs the reason", async () => {
    const error = await refusedConnection(server.url, { sessionId: "evil-1" }, { origin: "https://evil.example" });
    expect(error.code).toBe("origin_not_allowed");
    expect(error.dataMessage).toMatch(/origin https:\/\/evil\.example is not allowed: add it to ALLOWED_ORIGINS/);
    const line = log.lines().find((l) => l.msg === "widget handshake refused" && l.code === "origin_not_allowed");
    expect(line?.reason).toMatch(/add it to ALLOWED_ORIGINS/);
  });

  it("a refused capture request is logged with its code and reason", async () => {
    const res = await sendCapture(server.url, batch("evil-2", [rawEvent("pageview", "https://evil.example/")]), { origin: "https://evil.example" });
    expect(res.status).toBe(403);
    const line = log.lines().find((l) => l.msg === "request refused" && l.path === "/v1/capture" && l.code === "origin_not_allowed");
    expect(line?.reason).toMatch(/is not allowed: add it to ALLOWED_ORIGINS/);
    expect(line?.origin).toBe("https://evil.example");
  });
});

describe("GET /v1/admin/installation", () => {
  it("lists the origins seen in the last hour, allowed or refused, and the last event per source", async () => {
    expect((await sendCapture(server.url, batch("site-1", [rawEvent("pageview", `${SITE}/home`)]), { origin: SITE })).status).toBe(202);
    expect((await sendCapture(server.url, { ...batch("x", []), product_key: "pk_typo_0123456789" }, { origin: SITE })).status).toBe(401);
    expect((await pushEvent(server.url, { type: "actions", session_id: "push-1", actions: [{ title: "t", description: "d", canonical_url: "/p" }] })).status).toBe(202);
    const badPosthog = await fetch(`${server.url}/v1/webhooks/posthog`, { method: "POST", headers: { "content-type": "application/json", "x-posthog-secret": "wrong-secret-0123456789" }, body: "{}" });
    expect(badPosthog.status).toBe(401);

    const { status, body } = await installation();
    expect(status).toBe(200);
    expect(body.product_id).toBe("demo");
    expect(body.allowed_origins).toEqual([SITE]);
    const seen = (origin: string, channel: string, allowed: boolean) =>
      body.origins.find((o: any) => o.origin === origin && o.channel === channel && o.allowed === allowed);
    expect(seen(SITE, "capture", true)).toMatchObject({ code: null, product_id: "demo" });
    expect(seen(SITE, "capture", false)).toMatchObject({ code: "unknown_product_key", product_id: null });
    expect(seen("https://evil.example", "widget", false)).toMatchObject({ code: "origin_not_allowed", reason: expect.stringMatching(/ALLOWED_ORIGINS/) });
    expect(seen("https://evil.example", "capture", false)?.count).toBeGreaterThanOrEqual(1);
    expect(seen(server.url, "widget", true)).toBeDefined();

    const source = (name: string) => body.sources.find((s: any) => s.source === name);
    expect(body.sources.map((s: any) => s.source)).toEqual(["push", "connector", "capture", "posthog"]);
    expect(source("push")).toMatchObject({ last_session_id: "push-1", last_refused_at: null });
    expect(source("capture").last_accepted_at).not.toBeNull();
    expect(source("posthog")).toMatchObject({ last_accepted_at: null, last_refusal_code: expect.stringMatching(/secret/) });
    expect(source("connector")).toMatchObject({ last_accepted_at: null, last_refused_at: null });
    expect(body.connector).toBeNull();
    expect(body.workflows.count).toBeGreaterThan(0);
  });

  it("needs the admin token and names an unknown product", async () => {
    expect((await fetch(`${server.url}/v1/admin/installation`)).status).toBe(401);
    const unknown = await installation("?product_id=nope");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("unknown_product");
  });

  it("keeps a bounded number of origins however many a sender makes up", async () => {
    for (let i = 0; i < 60; i++) {
      await sendCapture(server.url, batch("flood", [rawEvent("pageview", "https://x.example/")]), { origin: `https://flood-${i}.example` });
    }
    const { body } = await installation();
    expect(body.origins.filter((o: any) => o.origin.startsWith("https://flood-")).length).toBe(60);

    const monitor = createInstallationMonitor({ maxOrigins: 50 });
    for (let i = 0; i < 10_000; i++) {
      monitor.noteOrigin({ productId: "demo", origin: `https://o${i}.example`, channel: "capture", allowed: false, code: "origin_not_allowed", reason: "r" }, i);
    }
    const kept = monitor.origins("demo", 0);
    expect(kept.length).toBe(50);
    // The most recently seen are the ones kept.
    expect(kept[0]!.origin).toBe("https://o9999.example");
  });
});

describe("GET /v1/admin/search", () => {
  it("finds sessions by id or user and messages by text, case-insensitively, within the product", async () => {
    const socket = await connectWidget(server.url, { sessionId: "Search-Me-42" }, { origin: SITE });
    try {
      const { ask } = await import("../helpers/widget-client.js");
      await ask(socket, "Where is the NEEDLE export?");
    } finally {
      socket.close();
    }
    const search = async (q: string) => {
      const res = await fetch(`${server.url}/v1/admin/search?q=${encodeURIComponent(q)}`, { headers: adminHeaders });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const bySession = await search("search-me");
    expect(bySession.status).toBe(200);
    expect(bySession.body.sessions.map((s: any) => s.session_id)).toEqual(["Search-Me-42"]);
    const byText = await search("needle export");
    expect(byText.body.messages).toEqual([expect.objectContaining({ role: "user", text: "Where is the NEEDLE export?", conversation_id: expect.any(String) })]);
    expect(byText.body.sessions).toEqual([]);
    const tooShort = await search("x");
    expect(tooShort.status).toBe(422);
    expect(tooShort.body.error.code).toBe("invalid_query");
  });
});

/**
 * Two real app instances (`createApp` on port 0, each on its own SQLite file — storage is not shared in
 * this phase) coordinated through one Redis: Socket.IO rooms fan out across them, shutting one down
 * disconnects only its own widgets, rate limits count across them, and the leader jobs run on one.
 */
import { afterEach, describe, expect, it } from "vitest";
import { WIDGET_NAMESPACE } from "../../server/contracts/realtime.js";
import { rooms } from "../../server/realtime/rooms.js";
import { adminGet } from "../helpers/admin.js";
import { ALLOWED_ORIGIN, batch, rawEvent, sendCapture } from "../helpers/capture.js";
import { pilotlightHeaders } from "../helpers/signing.js";
import { deliverTestSuggestion } from "../helpers/suggestions.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { connectWidget, nextEvent, refusedConnection, type WidgetClient } from "../helpers/widget-client.js";
import { waitFor } from "../helpers/wait.js";
import { sampleValue, scrape } from "../helpers/metrics-text.js";
import { startScriptedUpstream } from "../helpers/scripted-upstream.js";
import { dropPrefix, TEST_REDIS_URL, testRedis, uniquePrefix } from "./redis-env.js";

let prefix = uniquePrefix();
const servers: TestServer[] = [];
const sockets: WidgetClient[] = [];
const upstreams: { close(): Promise<void> }[] = [];

async function instance(id: string, env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startTestServer({
    env: { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, INSTANCE_ID: id, LEADER_LEASE_TTL_MS: "900", ...env },
  });
  servers.push(server);
  return server;
}

async function widget(server: TestServer, sessionId: string): Promise<{ socket: WidgetClient; sessionRef: number }> {
  const socket = await connectWidget(server.url, { sessionId });
  sockets.push(socket);
  const sessionRef = await waitFor(() => {
    for (const s of server.app.io.of(WIDGET_NAMESPACE).sockets.values()) if (s.data.sessionId === sessionId) return s.data.sessionRef as number;
    return undefined;
  }, "the server side of the widget");
  return { socket, sessionRef };
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
  const redis = testRedis();
  await dropPrefix(redis, prefix);
  await redis.quit();
  prefix = uniquePrefix();
});

describe("two instances on one Redis", () => {
  it("an emit to a room on instance B reaches a widget connected to instance A", async () => {
    const a = await instance("a");
    const b = await instance("b");
    expect(a.app.services.coordination.mode).toBe("redis");
    const { socket, sessionRef } = await widget(a, "s-fanout");
    const heard = nextEvent(socket, "suggestion:retracted", (p) => p.id === 7);
    b.app.io.of(WIDGET_NAMESPACE).to(rooms.session(sessionRef)).emit("suggestion:retracted", { id: 7, reason: "resolved" });
    expect(await heard).toEqual({ id: 7, reason: "resolved" });
  });

  it("a session's first suggestion, which creates its conversation, reaches the widget on the same instance", async () => {
    // The conversation room is joined locally at once: through the adapter alone, the join would come back from
    // Redis after the offer, which found the room empty and left the suggestion pending.
    const a = await instance("a");
    const { socket } = await widget(a, "s-first");
    const shown = nextEvent(socket, "suggestion:created");
    const id = await deliverTestSuggestion(a, "s-first", "Open Settings → Team.");
    expect((await shown).id).toBe(id);
    await waitFor(async () => (await a.repos.suggestions.findById(id))?.status === "delivered", "the delivery to be recorded");
  });

  it("shutting instance A down disconnects A's widgets only; B's stay connected and reachable", async () => {
    const a = await instance("a");
    const b = await instance("b");
    const onA = await widget(a, "s-on-a");
    const onB = await widget(b, "s-on-b");
    const aGone = new Promise<string>((resolve) => onA.socket.once("disconnect", (reason) => resolve(reason)));
    await a.close();
    expect(await aGone).toBe("io server disconnect");
    expect(onB.socket.connected).toBe(true);
    const heard = nextEvent(onB.socket, "suggestion:retracted", (p) => p.id === 8);
    b.app.io.of(WIDGET_NAMESPACE).to(rooms.session(onB.sessionRef)).emit("suggestion:retracted", { id: 8, reason: "resolved" });
    expect(await heard).toEqual({ id: 8, reason: "resolved" });
    expect(onB.socket.connected).toBe(true);
  });

  it("rate limits count across instances: a budget spent on A is spent on B", async () => {
    const env = { RATE_LIMIT_PUBLIC_PER_MIN: "2", RATE_LIMIT_WEBHOOK_PER_MIN: "2" };
    const a = await instance("a", env);
    const b = await instance("b", env);
    // Socket handshakes (per product key and address).
    await widget(a, "s-1");
    await widget(b, "s-2");
    expect((await refusedConnection(a.url, { sessionId: "s-3" })).code).toBe("rate_limited");
    // HTTP: the push webhook through express-rate-limit's fast-path twin.
    const push = (server: TestServer, i: number) => {
      const body = JSON.stringify({ type: "actions", session_id: "s-push", actions: [{ title: `t${i}`, description: "d", canonical_url: "/", timestamp_start: i }] });
      return fetch(`${server.url}/v1/webhooks/actions`, { method: "POST", headers: pilotlightHeaders(body), body });
    };
    expect((await push(a, 1)).status).toBe(202);
    expect((await push(b, 2)).status).toBe(202);
    const refused = await push(a, 3);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
  });

  it("the Installation panel on either instance shows what both saw: a page origin one refused, the push the other accepted", async () => {
    const env = { ALLOWED_ORIGINS: ALLOWED_ORIGIN };
    const a = await instance("a", env);
    const b = await instance("b", env);
    await Promise.all([a.app.services.installationRelay?.ready, b.app.services.installationRelay?.ready]);

    // An integrator's test page on an origin not yet allowed reaches A; A refuses it, twice.
    for (let i = 0; i < 2; i++) {
      const refused = await sendCapture(a.url, batch("inst-page", [rawEvent("click", "/", { tag: "button", text: "Save" })]), { origin: "https://staging.example.net" });
      expect(refused.status).toBe(403);
    }
    // Their connector's push reaches B.
    const body = JSON.stringify({ type: "actions", session_id: "inst-push", actions: [{ title: "t", description: "d", canonical_url: "/", timestamp_start: 1 }] });
    expect((await fetch(`${b.url}/v1/webhooks/actions`, { method: "POST", headers: pilotlightHeaders(body), body })).status).toBe(202);

    type Panel = { origins: { origin: string; allowed: boolean; code: string | null; count: number }[]; sources: { source: string; last_session_id: string | null }[] };
    const panel = (s: TestServer) => adminGet<Panel>(s, "/v1/admin/installation");
    const refusedOnB = await waitFor(async () => (await panel(b)).origins.find((o) => o.origin === "https://staging.example.net"), "A's refused origin on B's panel");
    expect(refusedOnB).toMatchObject({ allowed: false, code: "origin_not_allowed", count: 2 });
    const pushOnA = await waitFor(async () => (await panel(a)).sources.find((s) => s.source === "push" && s.last_session_id === "inst-push"), "B's push on A's panel");
    expect(pushOnA).toBeDefined();
    // A's own sightings are not counted twice by its own relay coming back through Redis.
    expect((await panel(a)).origins.find((o) => o.origin === "https://staging.example.net")).toMatchObject({ count: 2 });
  });

  it("the leader jobs run on one instance; when it shuts down the other takes them over", async () => {
    // A lease long enough that a busy machine's pauses never cost the holder its renewal (renewed every TTL/3);
    // shutdown releases the leases, so the takeover below does not wait for the TTL.
    const ttl = { LEADER_LEASE_TTL_MS: "5000" };
    const leading = (s: TestServer) => s.app.services.leaders.filter((l) => l.isLeader()).length;
    const a = await instance("a", ttl);
    // b starts only once a holds every lease: started together, either could win any one of them.
    await waitFor(() => leading(a) === 3, "a to lead retention, pruning and the suggestion sweep");
    const b = await instance("b", ttl);
    expect(leading(b)).toBe(0);
    await a.close();
    await waitFor(() => leading(b) === 3, "b to take the jobs over", 10_000);
    const ready = (await (await fetch(`${b.url}/readyz`)).json()) as { checks: Record<string, unknown> };
    expect(ready.checks.coordination).toEqual({ ok: true, mode: "redis" });
  });

  it("a follower shows its connector as standby and is ready; when the leader shuts down its connector subscribes", async () => {
    // Connections stay open and silent: the leader's connector is connected for as long as it leads.
    const upstream = await startScriptedUpstream([]);
    upstreams.push(upstream);
    const env = { LEADER_LEASE_TTL_MS: "5000", CONNECTOR_URL: upstream.streamUrl(), CONNECTOR_TOKEN: "upstream-token-0123456789" };
    const leading = (s: TestServer) => s.app.services.leaders.filter((l) => l.isLeader()).length;
    const a = await instance("a", env);
    await waitFor(() => leading(a) === 4 && a.app.services.connector!.status().state === "connected", "a to lead every job and subscribe");
    const b = await instance("b", env);
    expect(leading(b)).toBe(0);

    type Readyz = { status: string; reason?: string; checks: Record<string, { ok: boolean; state?: string }> };
    const readyz = async (s: TestServer) => {
      const res = await fetch(`${s.url}/readyz`);
      return { code: res.status, body: (await res.json()) as Readyz };
    };
    // b's own Redis connections finish connecting after createApp returns.
    const ready = await waitFor(async () => {
      const r = await readyz(b);
      return r.body.checks.coordination?.ok ? r : undefined;
    }, "b's Redis connections to be up");
    expect(ready.body).toMatchObject({ status: "ready", checks: { connector: { ok: true, state: "standby" } } });
    expect(ready.code).toBe(200);
    const metrics = await scrape(b.url);
    expect(sampleValue(metrics, "pilotlight_connector_state", { state: "standby" })).toBe(1);
    expect(sampleValue(metrics, "pilotlight_connector_state", { state: "connecting" })).toBe(0);
    expect(upstream.connections).toHaveLength(1);

    await a.close();
    await waitFor(() => b.app.services.connector!.status().state === "connected", "b's connector to take over the subscription", 10_000);
    expect(upstream.connections).toHaveLength(2);
    expect((await readyz(b)).body.checks.connector).toMatchObject({ ok: true, state: "connected" });
  });

  it("an instance that loses the connector lease shows its connector as standby, and subscribes again when it wins it back", async () => {
    const upstream = await startScriptedUpstream([]);
    upstreams.push(upstream);
    const a = await instance("a", { CONNECTOR_URL: upstream.streamUrl(), CONNECTOR_TOKEN: "upstream-token-0123456789" });
    const connector = a.app.services.connector!;
    await waitFor(() => connector.status().state === "connected", "a to subscribe");
    // Another owner takes the lease (as a newer leader would): a's next renewal finds it and ends the term.
    const redis = testRedis();
    try {
      await redis.set(`${prefix}lease:connector`, "another-instance", "PX", 60_000);
      await waitFor(() => connector.status().state === "standby", "a's connector to stand by");
      expect(upstream.connections).toHaveLength(1);
      await redis.del(`${prefix}lease:connector`);
    } finally {
      await redis.quit();
    }
    await waitFor(() => connector.status().state === "connected", "a to subscribe again once it holds the lease");
    expect(upstream.connections).toHaveLength(2);
  });
});

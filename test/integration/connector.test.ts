import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { rowCounts } from "../helpers/db-counts.js";
import { actionsEvent } from "../helpers/events.js";
import { createMemoryLogger, type MemoryLogger } from "../helpers/memory-logger.js";
import { startScriptedUpstream, type ScriptedUpstream, type Step } from "../helpers/scripted-upstream.js";
import { adminHeaders } from "../helpers/signing.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/test-server.js";
import { waitFor, withTimeout } from "../helpers/wait.js";

const TOKEN = "upstream-token-0123456789";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function upstream(scripts: Step[][]): Promise<ScriptedUpstream> {
  const u = await startScriptedUpstream(scripts);
  cleanup.push(() => u.close());
  return u;
}

async function subscriber(u: ScriptedUpstream, env: Record<string, string> = {}, databasePath?: string) {
  const log = createMemoryLogger();
  const server = await startTestServer({
    env: {
      CONNECTOR_URL: u.streamUrl(),
      CONNECTOR_TOKEN: TOKEN,
      CONNECTOR_BACKOFF_BASE_MS: "20",
      CONNECTOR_BACKOFF_MAX_MS: "200",
      ...env,
    },
    logger: log.logger,
    ...(databasePath ? { databasePath } : {}),
  });
  cleanup.push(() => server.close());
  return { server, log, connector: server.app.services.connector! };
}

async function titlesOfSession(server: TestServer, sessionId: string): Promise<string[]> {
  const res = await fetch(`${server.url}/v1/sessions/${sessionId}/context`, { headers: adminHeaders });
  if (res.status === 404) return [];
  return ((await res.json()) as { recent_actions: { title: string }[] }).recent_actions.map((a) => a.title);
}

function expectNoSecretsLogged(log: MemoryLogger) {
  expect(log.text()).not.toContain(TOKEN);
}

describe("connector client (scripted upstream)", () => {
  it("stores every valid event exactly once across garbage frames, a mid-frame drop, a 500 and a replay", async () => {
    const e1 = actionsEvent("up-1", ["u-1", "u-2"]);
    const e2 = actionsEvent("up-1", ["u-3"]);
    const e4 = actionsEvent("up-1", ["u-4"]);
    const e5 = actionsEvent("up-1", ["u-5"], { product_id: "no-such-product" });
    const u = await upstream([
      [
        { event: e1, id: "1" },
        { event: e2, id: "2" },
        { raw: "data: this is not json\n\n" },
        { raw: 'id: 3\ndata: {"type":"actions","actions":[{"title":"no session"}]}\n\n' },
        { raw: "event: heartbeat\ndata:\n\n" },
        { raw: "a line that is no field at all\n\n" },
        { dropMidFrame: e4, id: "4" },
      ],
      [{ status: 500 }],
      // The replay repeats e2: dedupe keeps it once.
      [{ event: e2, id: "2" }, { event: e4, id: "4" }, { event: e5, id: "5" }, { end: true }],
      [{ raw: ": a comment keeps the line warm\n\n" }],
    ]);
    const { server, log, connector } = await subscriber(u);

    await waitFor(
      () => u.connections.length === 4 && connector.status().lastEventId === "5" && connector.status().state === "connected",
      "the fourth connection open, after event 5",
    );
    expect(await titlesOfSession(server, "up-1")).toEqual(["u-1", "u-2", "u-3", "u-4", "u-5"]);
    expect((await rowCounts(server.sql)).actions).toBe(5);
    expect(u.connections.map((c) => c.lastEventId)).toEqual([undefined, "3", "3", "5"]);
    for (const c of u.connections) {
      expect(c.authorization).toBe(`Bearer ${TOKEN}`);
      expect(c.accept).toBe("text/event-stream");
    }
    expect(connector.status()).toMatchObject({ state: "connected", invalidFrames: 2, events: 5, accepted: 5, duplicates: 1, consecutiveFailures: 0 });

    const messages = log.lines().map((l) => l.msg);
    expect(messages).toContain("connector frame is not JSON; skipped");
    expect(messages).toContain("connector frame is not a valid Autoplay event; skipped");
    // Frames are untrusted user data: their content is never logged, and neither is the token.
    expect(log.text()).not.toContain("this is not json");
    expectNoSecretsLogged(log);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as any).checks.connector).toMatchObject({ ok: true, state: "connected", lastEventId: "5" });
  });

  it("owns sessions by the events' user_id and skips, for good, a frame naming another user for an owned session", async () => {
    const mine = actionsEvent("up-owned", ["o-1"], { user_id: "alice" });
    const foreign = actionsEvent("up-owned", ["o-2"], { user_id: "mallory" });
    const later = actionsEvent("up-owned", ["o-3"], { user_id: "alice" });
    const u = await upstream([[{ event: mine, id: "1" }, { event: foreign, id: "2" }, { event: later, id: "3" }]]);
    const { server, log, connector } = await subscriber(u);
    await waitFor(() => connector.status().lastEventId === "3", "event 3 to be committed");
    expect(await titlesOfSession(server, "up-owned")).toEqual(["o-1", "o-3"]);
    expect((await server.repos.sessions.findByKey("demo", "up-owned"))?.ownerId).toBe("alice");
    // Skipped like an invalid frame, not retried: one connection, and the cursor moved past it.
    expect(connector.status()).toMatchObject({ invalidFrames: 1, events: 2, consecutiveFailures: 0 });
    expect(u.connections).toHaveLength(1);
    expect(log.text()).toContain("names another user for an owned session");
  });

  it("backs off with growing, jittered waits and starts over after a successful connect", async () => {
    const base = 100;
    const u = await upstream([[{ status: 500 }], [{ status: 500 }], [{ status: 503 }], [{ status: 500 }], [{ event: actionsEvent("up-b", ["b-1"]), id: "1" }, { end: true }], []]);
    const { server, connector } = await subscriber(u, { CONNECTOR_BACKOFF_BASE_MS: String(base), CONNECTOR_BACKOFF_MAX_MS: "10000" });
    await waitFor(
      () => u.connections.length === 6 && connector.status().state === "connected",
      "six connection attempts, the last one open",
      15_000,
    );

    const gaps = u.connections.slice(1).map((c, i) => c.at - u.connections[i]!.at);
    // Each wait is at least half its nominal delay (base · 2^failures): the configured lower bounds.
    [base, 2 * base, 4 * base, 8 * base].forEach((nominal, i) => expect(gaps[i]).toBeGreaterThanOrEqual(nominal / 2));
    expect(gaps[3]).toBeGreaterThan(gaps[0]!);
    // After the good connection (which then ended) the wait is back to the first step.
    expect(gaps[4]).toBeGreaterThanOrEqual(base / 2);
    expect(gaps[4]).toBeLessThan(gaps[3]!);
    expect(connector.status()).toMatchObject({ state: "connected", consecutiveFailures: 0, reconnects: 5, lastEventId: "1" });
    expect(await titlesOfSession(server, "up-b")).toEqual(["b-1"]);
  });

  it.each([
    [401, "CONNECTOR_TOKEN (401 Unauthorized)"],
    [403, "(403 Forbidden)"],
    [404, "no stream at CONNECTOR_URL (404 Not Found)"],
  ])("treats %i as fatal: stops retrying, logs why, and /readyz answers 503 with the reason", async (status, reason) => {
    const u = await upstream([[{ status }], [{ status: 200 }]]);
    const { server, log, connector } = await subscriber(u);
    await withTimeout(connector.done(), "the connector to give up");
    // The loop has ended: no timer or request is left that could try again.
    expect(u.connections).toHaveLength(1);
    expect(connector.status()).toMatchObject({ state: "fatal" });

    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as any;
    expect(body.reason).toContain(reason);
    expect(body.reason).toContain("not retrying");
    expect(body.checks.connector.ok).toBe(false);
    const line = log.lines().find((l) => l.level === 50 && String(l.msg).startsWith("connector stopped"));
    expect(line?.msg).toContain(reason);
    expectNoSecretsLogged(log);
  });

  it("goes back to standby (ready) when a lost lease stops it, and stays fatal once fatal", async () => {
    const u = await upstream([[], [{ status: 401 }]]);
    const { server, connector } = await subscriber(u);
    await waitFor(() => connector.status().state === "connected", "the connector to subscribe");
    // What app.ts does when the connector lease is lost while the instance keeps serving.
    await connector.stop();
    connector.standBy();
    expect(connector.status().state).toBe("standby");
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as any;
    expect(ready).toMatchObject({ status: "ready", checks: { connector: { ok: true, state: "standby" } } });
    // The next term: this time the upstream refuses the token.
    connector.start();
    await withTimeout(connector.done(), "the connector to give up");
    await connector.stop();
    connector.standBy();
    expect(connector.status().state).toBe("fatal");
  });

  it("reconnects when no byte arrives for 3 heartbeat intervals, while heartbeats alone keep the line up", async () => {
    const heartbeatMs = 200;
    const u = await upstream([
      // 1 s of heartbeats (longer than the 600 ms watchdog), then silence.
      [{ event: actionsEvent("up-w", ["w-1"]), id: "1" }, { heartbeats: 20, everyMs: 50 }],
      [{ event: actionsEvent("up-w", ["w-2"]), id: "2" }],
    ]);
    const { server, connector } = await subscriber(u, { CONNECTOR_HEARTBEAT_MS: String(heartbeatMs) });
    await waitFor(() => u.connections.length === 2 && connector.status().lastEventId === "2", "the watchdog reconnect", 15_000);
    const [first, second] = u.connections;
    // No reconnect while heartbeats flowed; the silence that followed lasted at least the watchdog's 3 intervals.
    expect(second!.at).toBeGreaterThan(first!.lastByteAt);
    expect(second!.at - first!.lastByteAt).toBeGreaterThanOrEqual(3 * heartbeatMs);
    expect(second!.lastEventId).toBe("1");
    expect(connector.status().lastError).toContain("no bytes from the upstream");
    expect(await titlesOfSession(server, "up-w")).toEqual(["w-1", "w-2"]);
  });

  it("resumes after a restart from the last event id it persisted", async () => {
    const dir = tempDir();
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const databasePath = path.join(dir, "pilotlight.db");
    const u = await upstream([[{ event: actionsEvent("up-r", ["r-1"]), id: "evt-1" }, { event: actionsEvent("up-r", ["r-2"]), id: "evt-2" }], []]);
    const first = await subscriber(u, {}, databasePath);
    await waitFor(() => first.connector.status().lastEventId === "evt-2", "event evt-2 to be committed");
    await first.server.close();

    const second = await subscriber(u, {}, databasePath);
    await waitFor(() => u.connections.length === 2, "the second process to connect");
    expect(u.connections[1]!.lastEventId).toBe("evt-2");
    expect(await titlesOfSession(second.server, "up-r")).toEqual(["r-1", "r-2"]);
  });

  it("stops cleanly on close(), even in the middle of a long backoff", async () => {
    const u = await upstream([[{ status: 502 }]]);
    const { server, connector } = await subscriber(u, { CONNECTOR_BACKOFF_BASE_MS: "600000", CONNECTOR_BACKOFF_MAX_MS: "600000" });
    await waitFor(() => connector.status().state === "backoff", "the connector to wait before retrying");
    await withTimeout(server.close(), "close() during a 10-minute backoff");
    expect(connector.status().state).toBe("stopped");
    expect(u.connections).toHaveLength(1);
  });
});

import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rowCounts } from "../helpers/db-counts.js";
import { actionsEvent } from "../helpers/events.js";
import { readUntil } from "../helpers/read-stream.js";
import { pushEvent } from "../helpers/signing.js";
import { subscribe, type SseSubscription } from "../helpers/sse-client.js";
import { startTestServer, TEST_SECRETS } from "../helpers/test-server.js";
import { waitFor, withTimeout } from "../helpers/wait.js";

const auth = { authorization: `Bearer ${TEST_SECRETS.STREAM_TOKEN}` };
const open: SseSubscription[] = [];
afterAll(() => open.forEach((s) => s.close()));

const streamUrl = (base: string) => `${base}/v1/stream/demo`;

function sub(base: string, options: Parameters<typeof subscribe>[1] = {}) {
  const s = subscribe(streamUrl(base), options);
  open.push(s);
  return s;
}

describe("GET /v1/stream/:productId — heartbeats, retention, shutdown", () => {
  it("sends `event: heartbeat` with empty data every STREAM_HEARTBEAT_MS", async () => {
    const own = await startTestServer({ env: { STREAM_HEARTBEAT_MS: "25" } });
    try {
      const res = await fetch(streamUrl(own.url), { headers: auth });
      const text = await readUntil(res, (t) => t.split("event: heartbeat\ndata:\n\n").length > 3);
      expect(text.startsWith("retry: 3000\n\n")).toBe(true);
      const s = sub(own.url);
      await waitFor(() => s.heartbeats() >= 2, "two heartbeat events at the EventSource");
      expect(s.events).toEqual([]);
      s.close();
    } finally {
      await own.close();
    }
  });

  it("prunes entries past STREAM_RETENTION_HOURS and tells a client whose Last-Event-ID reaches past them", async () => {
    let now = Date.UTC(2026, 0, 1);
    const own = await startTestServer({ clock: { now: () => now }, env: { STREAM_RETENTION_HOURS: "24" } });
    try {
      // The connector signature scheme has no timestamp, so the moved clock does not stale it.
      for (const t of ["old-1", "old-2"]) expect((await pushEvent(own.url, actionsEvent("s-ret", [t]), "connector")).status).toBe(202);
      now += 23 * 3_600_000;
      expect((await pushEvent(own.url, actionsEvent("s-ret", ["young"]), "connector")).status).toBe(202);
      expect(await own.app.services.pruner.pruneNow()).toBe(0);
      now += 2 * 3_600_000;
      expect(await own.app.services.pruner.pruneNow()).toBe(2);
      expect((await rowCounts(own.sql)).event_log).toBe(1);

      const res = await fetch(streamUrl(own.url), { headers: { ...auth, "last-event-id": "1" } });
      expect(res.headers.get("x-pilotlight-pruned-through")).toBe("2");
      const text = await readUntil(res, (t) => t.includes("young"));
      expect(text).toMatch(/^: events up to id 2 are past the retention window/m);
      expect(text).not.toContain("old-2");
      expect(text).toContain("id: 3\n");
      // A resume inside the window says nothing of the kind.
      const fine = await fetch(streamUrl(own.url), { headers: { ...auth, "last-event-id": "2" } });
      expect(fine.headers.get("x-pilotlight-pruned-through")).toBeNull();
      await fine.body?.cancel();
    } finally {
      await own.close();
    }
  });

  it("never reuses an id after pruning, across a restart", async () => {
    let now = Date.UTC(2026, 0, 1);
    const first = await startTestServer({ clock: { now: () => now } });
    const databasePath = first.databasePath;
    await pushEvent(first.url, actionsEvent("s-ids", ["i-1"]), "connector");
    now += 48 * 3_600_000;
    expect(await first.app.services.pruner.pruneNow()).toBe(1);
    await first.stop();
    const second = await startTestServer({ databasePath, clock: { now: () => now } });
    try {
      await pushEvent(second.url, actionsEvent("s-ids", ["i-2"]), "connector");
      const s = sub(second.url, { lastEventId: 0 });
      const [event] = await s.untilEvents(1);
      expect(event!.id).toBe(2);
      s.close();
    } finally {
      await second.close();
      fs.rmSync(path.dirname(databasePath), { recursive: true, force: true });
    }
  });

  it("ends open streams on close() so the server shuts down without waiting for clients", async () => {
    const own = await startTestServer({ env: { SHUTDOWN_GRACE_MS: "120000" } });
    const s = sub(own.url);
    const other = sub(own.url, { lastEventId: 0 });
    await waitFor(() => s.opens() === 1 && other.opens() === 1, "both streams to open");
    await withTimeout(own.close(), "close() with two open streams");
    await waitFor(() => s.errors.length > 0 && other.errors.length > 0, "both clients to notice the end");
    s.close();
    other.close();
  });

  it("does not wait on shutdown for a connected socket that never sent a request", async () => {
    const own = await startTestServer({ env: { SHUTDOWN_GRACE_MS: "120000" } });
    // Browsers preconnect, and stream clients reconnect the moment their stream ends.
    const socket = net.connect(own.port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    const closed = new Promise((resolve) => socket.once("close", resolve));
    await withTimeout(own.close(), "close() with a silent connection open");
    await withTimeout(closed, "the silent connection to be closed");
  });
});

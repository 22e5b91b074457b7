/**
 * The outbound stream's server mode (stream-hub.ts) in process: two stream hubs, each with its own ingest
 * service, on one SQLite store and one in-process bus — two instances, minus the processes. A subscriber of one
 * hub gets what the other commits, in id order, and resumes on the other hub with Last-Event-ID with nothing lost
 * or repeated. (`npm run test:cluster` checks the same across real processes on PostgreSQL and Redis.)
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/connection.js";
import { migrate } from "../../db/migrate.js";
import { createSqliteStore } from "../../db/sqlite/sqlite-store.js";
import type { Store } from "../../db/store.js";
import { systemClock } from "../../server/clock.js";
import { createMemoryBus, createMemoryBusHub } from "../../server/cluster/memory-bus.js";
import { loadConfig } from "../../server/config.js";
import { createIngestService, type IngestService } from "../../server/ingest/ingest-event.js";
import { parseAutoplayEvent } from "../../server/ingest/parse-event.js";
import { createSilentLogger } from "../../server/logger.js";
import { resolvePaths } from "../../server/paths.js";
import { bootstrapInstance } from "../../server/products/bootstrap-instance.js";
import { createStreamHub, type StreamHub } from "../../server/streams/stream-hub.js";
import { actionsEvent, titlesOf } from "../helpers/events.js";
import { subscribe, type SseSubscription } from "../helpers/sse-client.js";
import { tempDir, TEST_SECRETS } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";

interface Instance {
  ingest: IngestService;
  hub: StreamHub;
  url: string;
  server: http.Server;
}

const logger = createSilentLogger();
let store: Store;
let a: Instance;
let b: Instance;
const subs: SseSubscription[] = [];

function instance(bus: ReturnType<typeof createMemoryBus>): Promise<Instance> {
  const ingest = createIngestService({ repos: store, clock: systemClock, logger, maxClockSkewMs: 300_000 });
  const hub = createStreamHub({ repos: store, ingest, logger, heartbeatMs: 60_000, retryMs: 1_000, maxBufferedBytes: 1 << 20, bus });
  const server = http.createServer((req, res) => {
    const last = req.headers["last-event-id"];
    void hub.open(res, { productId: "demo", sessionKey: null, afterId: typeof last === "string" ? Number(last) : null });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ ingest, hub, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

async function push(on: Instance, title: string): Promise<void> {
  const parsed = parseAutoplayEvent(actionsEvent("feed-1", [title]));
  if (!parsed.ok) throw new Error("bad event");
  await on.ingest.ingest("demo", parsed.value, "push");
}

beforeAll(async () => {
  const dir = tempDir();
  const databasePath = path.join(dir, "feed.db");
  const db = openDatabase(databasePath);
  migrate(db, resolvePaths().migrationsDir);
  store = createSqliteStore(db, { logger });
  await bootstrapInstance({ config: loadConfig({ NODE_ENV: "test", DATABASE_PATH: databasePath, ...TEST_SECRETS }), repos: store, clock: systemClock });
  const bus = createMemoryBusHub();
  a = await instance(createMemoryBus(bus, logger));
  b = await instance(createMemoryBus(bus, logger));
});

afterAll(async () => {
  for (const s of subs) s.close();
  for (const i of [a, b]) {
    i.hub.close();
    i.server.closeAllConnections();
    await new Promise((resolve) => i.server.close(resolve));
  }
  await store.close();
});

describe("stream feeds from the shared log (server mode)", () => {
  it("a subscriber of one instance gets the other's commits in id order, and resumes on the other with nothing lost or repeated", async () => {
    const onA = subscribe(a.url);
    subs.push(onA);
    await waitFor(() => onA.opens() > 0, "the stream on A");
    const first = Array.from({ length: 12 }, (_, i) => `f-${i}`);
    // Alternating instances, several commits in flight at once.
    await Promise.all(first.map((t, i) => push(i % 2 === 0 ? b : a, t)));
    await onA.untilEvents(first.length);
    const ids = onA.events.map((e) => e.id);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    expect(new Set(ids).size).toBe(first.length);
    expect(new Set(onA.events.flatMap((e) => titlesOf(e.data)))).toEqual(new Set(first));
    onA.close();

    const missed = ["m-0", "m-1", "m-2"];
    for (const [i, t] of missed.entries()) await push(i % 2 === 0 ? a : b, t);
    const onB = subscribe(b.url, { lastEventId: ids.at(-1)! });
    subs.push(onB);
    await onB.untilEvents(missed.length);
    const live = ["l-0", "l-1", "l-2", "l-3"];
    for (const [i, t] of live.entries()) await push(i % 2 === 0 ? a : b, t);
    await onB.untilEvents(missed.length + live.length);
    await new Promise((r) => setTimeout(r, 100));
    expect(onB.events.flatMap((e) => titlesOf(e.data))).toEqual([...missed, ...live]);
    expect(onB.events[0]!.id).toBeGreaterThan(ids.at(-1)!);
  });
});

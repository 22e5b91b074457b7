/**
 * User memory's sync takes in every action of a session exactly once, whether this process heard of them
 * (held in memory since the last sync, so not read back) or not (another instance's ingest: read from the
 * store), over a real migrated SQLite file and the real ingest use case.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/connection.js";
import { migrate } from "../../db/migrate.js";
import { createSqliteStore } from "../../db/sqlite/sqlite-store.js";
import type { Store } from "../../db/store.js";
import type { ActionsPayload } from "../../server/ingest/autoplay.schema.js";
import { createIngestService, type IngestService } from "../../server/ingest/ingest-event.js";
import { createSilentLogger } from "../../server/logger.js";
import { createMemoryService, type MemoryService } from "../../server/memory/memory-service.js";
import { createUnsyncedActions } from "../../server/memory/unsynced-actions.js";
import { resolvePaths } from "../../server/paths.js";
import { parseWorkflows } from "../../server/workflows/load-workflows.js";
import { staticWorkflows } from "../../server/workflows/workflow-catalog.js";
import { createManualClock } from "../helpers/clock.js";
import { tempDir } from "../helpers/test-server.js";
import { BLOG_WORKFLOWS } from "../helpers/workflows.js";

const clock = createManualClock(1_700_000_000_000);
const logger = createSilentLogger();
let dir: string;
let store: Store;
/** This process: its ingests are heard by `memory`. */
let heard: IngestService;
/** Another writer on the same data (another instance): `memory` never hears of its ingests. */
let unheard: IngestService;
let memory: MemoryService;

beforeEach(async () => {
  dir = tempDir();
  const db = openDatabase(path.join(dir, "memory.db"));
  migrate(db, resolvePaths().migrationsDir);
  store = createSqliteStore(db, { logger });
  await store.products.insertIfAbsent({
    id: "blog", name: "Blog", pushSecret: "s", streamTokenHash: "h", productKey: "pk", identitySecret: null, posthogSecret: "p",
    allowedOrigins: [], createdAt: clock.now(), updatedAt: clock.now(),
  });
  const workflows = staticWorkflows(parseWorkflows(JSON.stringify(BLOG_WORKFLOWS), "blog.json"));
  memory = createMemoryService({ repos: store, clock, logger, tracker: { dwellMs: 60_000, abandonAfterMs: 3_600_000 }, workflows, flushDelayMs: 3_600_000 });
  heard = createIngestService({ repos: store, clock, logger, maxClockSkewMs: 0 });
  unheard = createIngestService({ repos: store, clock, logger, maxClockSkewMs: 0 });
  heard.onIngested((event) => memory.onIngested(event));
});
afterEach(async () => {
  await memory.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const STEPS = {
  open: { type: "pageview", title: "Page Load: /posts/new", description: "User landed on the new post page", canonical_url: "/posts/new" },
  title: { type: "type", title: "Type in 'Title' field", description: "User typed in the Title field", canonical_url: "/posts/new" },
  publish: { type: "click", title: "Click 'Publish' button", description: "User clicked Publish", canonical_url: "/posts/new" },
};

let ts = 1_700_000_000;
async function push(via: IngestService, sessionId: string, step: keyof typeof STEPS): Promise<void> {
  const payload: ActionsPayload = {
    type: "actions", product_id: "blog", session_id: sessionId, user_id: null, email: null, conversation_id: null, forwarded_at: ts,
    claimed_count: 1, actions: [{ index: 0, raw_url: null, timestamp_start: ts++, timestamp_end: 0, session_id: null, user_id: null, email: null, conversation_id: null, ...STEPS[step] }],
  } as ActionsPayload;
  expect(await via.ingest("blog", payload, "push")).toEqual({ accepted: 1, duplicates: 0 });
}

/** The session's attempt as stored: which action matched each step, and where the cursor stopped. */
async function stored(sessionId: string) {
  const ref = (await store.sessions.idByKey("blog", sessionId))!;
  const ids = (await store.actions.oldest(ref, 0, 100)).map((a) => a.id);
  const [attempt] = await store.attempts.ofSession(ref);
  return { ids, steps: attempt?.steps.map((s) => s.actionId) ?? [], outcome: attempt?.outcome, cursor: (await store.attempts.cursor(ref))?.lastActionId };
}

describe("user memory sync", () => {
  it("takes in the actions it heard of, one sync after another", async () => {
    await push(heard, "a", "open");
    await memory.syncSession((await store.sessions.idByKey("blog", "a"))!);
    await push(heard, "a", "title");
    await push(heard, "a", "publish");
    await memory.syncSession((await store.sessions.idByKey("blog", "a"))!);
    const s = await stored("a");
    expect(s.steps).toEqual(s.ids);
    expect(s.outcome).toBe("completed");
    expect(s.cursor).toBe(s.ids.at(-1));
  });

  it("takes in another writer's actions stored after the ones it heard of", async () => {
    await push(heard, "b", "open");
    await memory.syncSession((await store.sessions.idByKey("blog", "b"))!);
    await push(heard, "b", "title");
    await push(unheard, "b", "publish");
    await memory.syncSession((await store.sessions.idByKey("blog", "b"))!);
    const s = await stored("b");
    expect(s.steps).toEqual(s.ids);
    expect(s.outcome).toBe("completed");
    expect(s.cursor).toBe(s.ids.at(-1));
  });

  it("takes in another writer's actions stored between the ones it heard of, and on a session it never saw created", async () => {
    await push(heard, "c", "open");
    await memory.syncSession((await store.sessions.idByKey("blog", "c"))!);
    await push(unheard, "c", "title");
    await push(heard, "c", "publish");
    await memory.syncSession((await store.sessions.idByKey("blog", "c"))!);
    const c = await stored("c");
    expect(c.steps).toEqual(c.ids);
    expect(c.cursor).toBe(c.ids.at(-1));

    await push(unheard, "d", "open");
    await push(heard, "d", "title");
    await push(heard, "d", "publish");
    await memory.syncSession((await store.sessions.idByKey("blog", "d"))!);
    const d = await stored("d");
    expect(d.steps).toEqual(d.ids);
    expect(d.cursor).toBe(d.ids.at(-1));
  });
});

describe("unsynced actions held in memory", () => {
  const action = (id: number) => ({
    id, sessionRef: 1, batchIndex: 0, type: "click", title: "t", description: "d", canonicalUrl: "/", rawUrl: null,
    timestampStart: 0, timestampEnd: 0, userId: null, email: null, conversationId: null, source: "push", receivedAt: 0,
  });

  it("holds a session's actions from its creation or its last sync, skipping those the sync already took in", () => {
    const held = createUnsyncedActions({ maxSessions: 10, maxActions: 10 });
    held.committed(1, true, [action(1), action(2)]);
    expect(held.after(1, 0)).toEqual({ countThrough: 0, actions: [action(1), action(2)] });
    held.synced(1, 3, 3);
    held.committed(1, false, [action(3), action(4)]);
    expect(held.after(1, 3)).toEqual({ countThrough: 3, actions: [action(4)] });
    expect(held.after(1, 2)).toBeUndefined();
    // A session it never saw created or synced: it cannot know where its actions start.
    held.committed(2, false, [action(5)]);
    expect(held.after(2, 0)).toBeUndefined();
  });

  it("forgets the least recently used sessions past its bounds on sessions and actions", () => {
    const held = createUnsyncedActions({ maxSessions: 2, maxActions: 3 });
    held.committed(1, true, [action(1)]);
    held.committed(2, true, [action(2)]);
    held.committed(3, true, [action(3)]);
    expect(held.after(1, 0)).toBeUndefined();
    expect(held.stats()).toEqual({ sessions: 2, actions: 2 });
    held.committed(2, false, [action(4), action(5)]);
    expect(held.after(3, 0)).toBeUndefined();
    expect(held.stats()).toEqual({ sessions: 1, actions: 3 });
  });
});

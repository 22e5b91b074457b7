import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openDatabase, type Db } from "../../db/connection.js";
import { migrate } from "../../db/migrate.js";
import { createSqliteStore } from "../../db/sqlite/sqlite-store.js";
import type { Store } from "../../db/store.js";
import { createIngestService } from "../../server/ingest/ingest-event.js";
import { rawEventsToPayload } from "../../server/ingest/raw-events/build-payload.js";
import type { RawEvent } from "../../server/ingest/raw-events/raw-event.schema.js";
import { createSilentLogger } from "../../server/logger.js";
import { resolvePaths } from "../../server/paths.js";
import { createGoalTracker, type GoalChange } from "../../server/sessions/goal-tracker.js";
import { createWindowCache } from "../../server/sessions/window-cache.js";
import { loadWorkflows } from "../../server/workflows/load-workflows.js";
import { staticWorkflows } from "../../server/workflows/workflow-catalog.js";
import { tempDir } from "../helpers/test-server.js";

const paths = resolvePaths();
const workflows = staticWorkflows(loadWorkflows(paths.defaultWorkflows));
const logger = createSilentLogger();

let dir: string;
let db: Db;
let repos: Store;
/** Top-level transactions committed (savepoints are not counted). */
const stats = { transactions: 0 };
let now: number;
const clock = { now: () => now };

beforeEach(async () => {
  dir = tempDir();
  db = openDatabase(path.join(dir, "goals.db"));
  migrate(db, paths.migrationsDir);
  stats.transactions = 0;
  // Transactions are counted exactly: no time budget splits a group wherever the machine was slow.
  repos = createSqliteStore(db, { logger, onCommit: () => stats.transactions++, turnBudgetMs: Infinity });
  await repos.products.save({
    id: "demo", name: "demo", pushSecret: "p", streamTokenHash: "00", productKey: "pk_goal_tracker", identitySecret: null,
    posthogSecret: "h", allowedOrigins: [], createdAt: 0, updatedAt: 0,
  });
  now = 1_764_000_000_000;
});
afterEach(async () => {
  await repos.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let ts = 1_764_000_000_000;
const ev = (type: RawEvent["type"], url: string, target?: RawEvent["target"]): RawEvent => ({ type, ts: (ts += 10), url, ...(target ? { target } : {}) });

function setup(minIntervalMs: number) {
  stats.transactions = 0;
  const ingest = createIngestService({ repos, clock, logger, maxClockSkewMs: 300_000 });
  const windows = createWindowCache({ windowSize: 50, maxActions: 1000 });
  const goals = createGoalTracker({ repos, windows, workflows, windowSize: 50, logger, clock, minIntervalMs });
  ingest.onIngested((e) => windows.onIngested(e));
  ingest.onIngested((e) => goals.onIngested(e));
  const changes: GoalChange[] = [];
  goals.onChanged((c) => changes.push(c));
  const send = (events: RawEvent[], sessionId = "s1") =>
    ingest.ingest("demo", rawEventsToPayload({ sessionId, userId: null, email: null, forwardedAt: now / 1000, events }), "capture");
  const nextChange = () => new Promise<GoalChange>((resolve) => { const off = goals.onChanged((c) => { off(); resolve(c); }); });
  return { goals, changes, send, nextChange, stats };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const goalOf = async () => (await repos.sessions.findByKey("demo", "s1"))?.goal;

describe("goal tracker", () => {
  it("refreshes a session's first ingest right after its answer, off the request path", async () => {
    const { changes, send, nextChange } = setup(1000);
    const changed = nextChange();
    await send([ev("pageview", "/reports")]);
    // Answered before any goal work: only the commit is on the request path.
    expect(await goalOf()).toBeNull();
    expect(await changed).toEqual({ goal: "Export a report", source: "workflow", workflowId: "export-report", productId: "demo", sessionId: "s1" });
    expect(await goalOf()).toBe("Export a report");
    expect(changes).toHaveLength(1);
    expect((await repos.sessions.findByKey("demo", "s1"))?.goalSource).toBe("workflow");
  });

  it("writes the goals of a turn's sessions in one piece of the group commit, never a commit per session", async () => {
    const { changes, send, stats } = setup(1000);
    const three = ["/reports", "/settings/team", "/settings/billing"];
    // Three new sessions in one turn: one ingest commit; their three goals: one more.
    await Promise.all(three.map((url, i) => send([ev("pageview", url)], `batch-${i}`)));
    expect(stats.transactions).toBe(1);
    await vi.waitFor(() => expect(changes).toHaveLength(3));
    expect(stats.transactions).toBe(2);
    expect(changes.map((c) => c.goal).sort()).toEqual(["Export a report", "Invite a teammate", "Update the payment method"]);
  });

  it("folds further ingests within the interval into one trailing refresh", async () => {
    const { changes, send, nextChange } = setup(40);
    const first = nextChange();
    await send([ev("pageview", "/reports")]);
    expect((await first).goal).toBe("Export a report");
    now += 10;
    await send([ev("pageview", "/settings/team")]);
    await send([ev("pageview", "/settings/billing")]);
    const change = await nextChange();
    expect(change.goal).toBe("Update the payment method");
    expect(changes.map((c) => c.goal)).toEqual(["Export a report", "Update the payment method"]);
  });

  it("refreshes in the next batch again after a quiet interval, and says nothing when the goal stays the same", async () => {
    const { changes, send, nextChange } = setup(1000);
    const first = nextChange();
    await send([ev("pageview", "/reports")]);
    await first;
    now += 1000;
    await send([ev("click", "/reports", { tag: "button", text: "Refresh" })]);
    await nextTurn();
    now += 1000;
    const second = nextChange();
    await send([ev("pageview", "/settings/team")]);
    expect((await second).goal).toBe("Invite a teammate");
    // The unchanged goal after the click was not announced.
    expect(changes.map((c) => c.goal)).toEqual(["Export a report", "Invite a teammate"]);
  });

  it("stop() cancels pending refreshes, so nothing touches a closed database", async () => {
    // Only setTimeout is faked: the ingest's group commit (setImmediate) runs for real.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { goals, changes, send, nextChange } = setup(1000);
      const first = nextChange();
      await send([ev("pageview", "/reports")]);
      await first;
      await send([ev("pageview", "/settings/team")]);
      goals.stop();
      vi.advanceTimersByTime(5000);
      now += 10_000;
      await send([ev("pageview", "/settings/billing")]);
      await nextTurn();
      await nextTurn();
      expect(changes.map((c) => c.goal)).toEqual(["Export a report"]);
      expect(await goalOf()).toBe("Export a report");
    } finally {
      vi.useRealTimers();
    }
  });

  it("without stop(), the same pending refresh would have run (control for the test above)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { changes, send, nextChange } = setup(1000);
      const first = nextChange();
      await send([ev("pageview", "/reports")]);
      await first;
      await send([ev("pageview", "/settings/team")]);
      const second = nextChange();
      vi.advanceTimersByTime(5000);
      await second;
      expect(changes.map((c) => c.goal)).toEqual(["Export a report", "Invite a teammate"]);
    } finally {
      vi.useRealTimers();
    }
  });
});

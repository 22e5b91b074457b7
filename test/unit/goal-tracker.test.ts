import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openDatabase, type Db } from "../../db/connection.js";
import { migrate } from "../../db/migrate.js";
import { createRepositories, type Repositories } from "../../db/repositories.js";
import { createIngestService } from "../../server/ingest/ingest-event.js";
import { rawEventsToPayload } from "../../server/ingest/raw-events/build-payload.js";
import type { RawEvent } from "../../server/ingest/raw-events/raw-event.schema.js";
import { createSilentLogger } from "../../server/logger.js";
import { resolvePaths } from "../../server/paths.js";
import { createGoalTracker, type GoalChange } from "../../server/sessions/goal-tracker.js";
import { loadWorkflows } from "../../server/workflows/load-workflows.js";
import { staticWorkflows } from "../../server/workflows/workflow-catalog.js";
import { tempDir } from "../helpers/test-server.js";

const paths = resolvePaths();
const workflows = staticWorkflows(loadWorkflows(paths.defaultWorkflows));
const logger = createSilentLogger();

let dir: string;
let db: Db;
let repos: Repositories;
let now: number;
const clock = { now: () => now };

beforeEach(() => {
  dir = tempDir();
  db = openDatabase(path.join(dir, "goals.db"));
  migrate(db, paths.migrationsDir);
  repos = createRepositories(db);
  repos.products.save({
    id: "demo", name: "demo", pushSecret: "p", streamTokenHash: "00", productKey: "pk_goal_tracker", identitySecret: null,
    posthogSecret: "h", allowedOrigins: [], createdAt: 0, updatedAt: 0,
  });
  now = 1_764_000_000_000;
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let ts = 1_764_000_000_000;
const ev = (type: RawEvent["type"], url: string, target?: RawEvent["target"]): RawEvent => ({ type, ts: (ts += 10), url, ...(target ? { target } : {}) });

function setup(minIntervalMs: number) {
  const ingest = createIngestService({ repos, clock, logger, maxClockSkewMs: 300_000 });
  const goals = createGoalTracker({ repos, workflows, windowSize: 50, logger, clock, minIntervalMs });
  ingest.onIngested((e) => goals.onIngested(e));
  const changes: GoalChange[] = [];
  goals.onChanged((c) => changes.push(c));
  const send = (events: RawEvent[]) =>
    ingest.ingest("demo", rawEventsToPayload({ sessionId: "s1", userId: null, email: null, forwardedAt: now / 1000, events }), "capture");
  const nextChange = () => new Promise<GoalChange>((resolve) => { const off = goals.onChanged((c) => { off(); resolve(c); }); });
  return { goals, changes, send, nextChange };
}

const goalOf = () => repos.sessions.findByKey("demo", "s1")?.goal;

describe("goal tracker", () => {
  it("refreshes at once on a session's first ingest, before the ingest resolves", async () => {
    const { changes, send } = setup(1000);
    await send([ev("pageview", "/reports")]);
    expect(goalOf()).toBe("Export a report");
    expect(changes).toEqual([{ goal: "Export a report", source: "workflow", workflowId: "export-report", productId: "demo", sessionId: "s1" }]);
    expect(repos.sessions.findByKey("demo", "s1")?.goalSource).toBe("workflow");
  });

  it("folds further ingests within the interval into one trailing refresh", async () => {
    const { changes, send, nextChange } = setup(40);
    await send([ev("pageview", "/reports")]);
    await send([ev("pageview", "/settings/team")]);
    await send([ev("pageview", "/settings/billing")]);
    expect(goalOf()).toBe("Export a report");
    const change = await nextChange();
    expect(change.goal).toBe("Update the payment method");
    expect(changes.map((c) => c.goal)).toEqual(["Export a report", "Update the payment method"]);
  });

  it("refreshes at once again after a quiet interval, and says nothing when the goal stays the same", async () => {
    const { changes, send } = setup(1000);
    await send([ev("pageview", "/reports")]);
    now += 1000;
    await send([ev("click", "/reports", { tag: "button", text: "Refresh" })]);
    expect(changes).toHaveLength(1);
    now += 1000;
    await send([ev("pageview", "/settings/team")]);
    expect(goalOf()).toBe("Invite a teammate");
    expect(changes).toHaveLength(2);
  });

  it("stop() cancels pending refreshes, so nothing touches a closed database", async () => {
    // Only setTimeout is faked: the ingest's group commit (setImmediate) runs for real.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { goals, changes, send } = setup(1000);
      await send([ev("pageview", "/reports")]);
      await send([ev("pageview", "/settings/team")]);
      goals.stop();
      vi.advanceTimersByTime(5000);
      now += 10_000;
      await send([ev("pageview", "/settings/billing")]);
      expect(changes.map((c) => c.goal)).toEqual(["Export a report"]);
      expect(goalOf()).toBe("Export a report");
    } finally {
      vi.useRealTimers();
    }
  });

  it("without stop(), the same pending refresh would have run (control for the test above)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const { changes, send } = setup(1000);
      await send([ev("pageview", "/reports")]);
      await send([ev("pageview", "/settings/team")]);
      vi.advanceTimersByTime(5000);
      expect(changes.map((c) => c.goal)).toEqual(["Export a report", "Invite a teammate"]);
    } finally {
      vi.useRealTimers();
    }
  });
});

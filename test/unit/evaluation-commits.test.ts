/**
 * A session's evaluation writes only through the group commit (issue 12: "one transaction per evaluation that
 * stores anything", never a second commit per request): user memory's sync before it, its holdout assignment,
 * its decision. With the rules model (no I/O) on SQLite it is one piece of it, reads and writes alike. The real
 * app over a real SQLite file, driven over HTTP; the store is audited underneath — writes in a transaction of
 * their own (`store.transaction`), autocommitted statements, the group commit's transactions, and reads of
 * workflow attempts and user memory's sync cursors (none for a product without workflows) are counted.
 */
import fs from "node:fs";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { openDatabase, type Db } from "../../db/connection.js";
import { migrate } from "../../db/migrate.js";
import { createSqliteStore } from "../../db/sqlite/sqlite-store.js";
import type { Store } from "../../db/store.js";
import { createApp } from "../../server/app.js";
import { systemClock } from "../../server/clock.js";
import { loadConfig } from "../../server/config.js";
import { createLlmClient } from "../../server/llm/create-llm-client.js";
import { createSilentLogger } from "../../server/logger.js";
import { resolvePaths } from "../../server/paths.js";
import { bootstrapInstance } from "../../server/products/bootstrap-instance.js";
import { pushEvent } from "../helpers/signing.js";
import { tempDir, TEST_SECRETS } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";

interface Audit {
  /** Transactions of their own (not the group commit) that changed rows. */
  ownTransactionWrites: number;
  /** Statements that changed rows outside any transaction (each its own commit). */
  autocommitWrites: number;
  /** Top-level commits of any kind. */
  commits: number;
  /** Reads of workflow attempts (user memory). */
  attemptReads: number;
}

/** Counts writes that are not pieces of the group commit. Must wrap `db` before the store prepares its statements. */
function auditWrites(db: Db, audit: Audit): () => number {
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => {
    const statement = prepare(source);
    if (statement.reader && /\bFROM workflow_attempts\b/i.test(source)) {
      for (const method of ["get", "all"] as const) {
        const read = statement[method].bind(statement);
        statement[method] = ((...args: unknown[]) => {
          audit.attemptReads++;
          return read(...(args as []));
        }) as never;
      }
    }
    if (statement.reader || /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i.test(source)) return statement;
    const run = statement.run.bind(statement);
    statement.run = ((...args: unknown[]) => {
      if (!db.inTransaction) audit.autocommitWrites++;
      return run(...(args as []));
    }) as typeof statement.run;
    const get = statement.get.bind(statement);
    statement.get = ((...args: unknown[]) => {
      if (!db.inTransaction) audit.autocommitWrites++;
      return get(...(args as []));
    }) as typeof statement.get;
    return statement;
  }) as typeof db.prepare;
  const totalChanges = prepare("SELECT total_changes()").pluck();
  return () => totalChanges.get() as number;
}

function audited(store: Store, totalChanges: () => number, audit: Audit): Store {
  return {
    ...store,
    transaction: (fn) =>
      store.transaction(async (tx) => {
        const before = totalChanges();
        const result = await fn(tx);
        if (totalChanges() !== before) audit.ownTransactionWrites++;
        return result;
      }),
  };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** The real app (rules model, no debounce, a 50 % holdout) on an audited SQLite store, listening on port 0. */
async function startAudited() {
  const dir = tempDir();
  const paths = resolvePaths();
  const config = loadConfig({
    NODE_ENV: "test", LOG_LEVEL: "silent", DATABASE_PATH: path.join(dir, "pilotlight.db"), PORT: "0", ...TEST_SECRETS,
    SUGGEST_DEBOUNCE_MS: "0", SUGGEST_HOLDOUT_PCT: "50",
  });
  const logger = createSilentLogger();
  const db = openDatabase(config.DATABASE_PATH);
  migrate(db, paths.migrationsDir);
  const audit: Audit = { ownTransactionWrites: 0, autocommitWrites: 0, commits: 0, attemptReads: 0 };
  const totalChanges = auditWrites(db, audit);
  // Commits are counted exactly: no time budget splits a group wherever the machine was slow.
  const raw = createSqliteStore(db, { logger, onCommit: () => audit.commits++, turnBudgetMs: Infinity });
  const store = audited(raw, totalChanges, audit);
  const instance = await bootstrapInstance({ config, repos: store, clock: systemClock });
  const app = createApp({ config, logger, store, clock: systemClock, instance, paths, llm: createLlmClient(config, logger) });
  await new Promise<void>((resolve) => app.httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(app.httpServer.address() as AddressInfo).port}`;
  close = async () => {
    await app.close();
    await raw.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  async function evaluateNewSession(sessionId: string, n: number): Promise<void> {
    const t = Date.now() / 1000;
    const actions = [0, 1, 2].map((i) => ({
      type: i === 0 ? "pageview" : "click", title: i === 0 ? "Page Load: Invoices" : `Click 'Button ${i}' button`, description: `step ${i}`,
      canonical_url: "https://app.example.com/invoices", timestamp_start: t + i * 0.1,
    }));
    const pushed = await pushEvent(url, { type: "actions", session_id: sessionId, actions });
    expect(pushed.status).toBe(202);
    // The evaluation ran to its end: the holdout drawn and the decision stored (user memory syncs before them).
    await waitFor(() => count("suggestion_decisions") === n && count("session_assignments") === n, `${sessionId}'s evaluation`);
  }
  return { audit, evaluateNewSession, count };
}

/**
 * The audit of one new session's evaluation on an instance that has already evaluated another: the instance's
 * first evaluation also makes the holdout salt, once (an autocommitted insert of a setting), and warms its caches.
 */
async function auditSecondEvaluation(): Promise<Audit & { memoryCursors: number }> {
  const { audit, evaluateNewSession, count } = await startAudited();
  await evaluateNewSession("first", 1);
  Object.assign(audit, { ownTransactionWrites: 0, autocommitWrites: 0, commits: 0, attemptReads: 0 });
  await evaluateNewSession("second", 2);
  return { ...audit, memoryCursors: count("memory_cursors") };
}

it("an evaluation of a new session writes its memory sync, holdout assignment and decision through the group commit only", async () => {
  expect(await auditSecondEvaluation()).toMatchObject({ ownTransactionWrites: 0, autocommitWrites: 0 });
});

it("with the rules model an evaluation is one piece of the group commit: its reads, memory sync and decision commit once", async () => {
  // Nothing else is under way: the push's commit and its evaluation's are the only ones (pieces of one turn
  // would share a commit; a piece per step, each in a later turn, commits once per step).
  expect((await auditSecondEvaluation()).commits).toBe(2);
});

it("for a product without workflows, user memory reads no workflow attempts and writes no cursor: there is nothing to remember", async () => {
  // Both sessions were evaluated (their decisions are stored) without reading attempts or storing a sync cursor.
  expect(await auditSecondEvaluation()).toMatchObject({ attemptReads: 0, memoryCursors: 0 });
});

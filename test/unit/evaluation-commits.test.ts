/**
 * A session's evaluation writes only through the group commit (issue 12: "one transaction per evaluation that
 * stores anything", never a second commit per request): user memory's sync before it, its holdout assignment,
 * its decision. The real app over a real SQLite file, driven over HTTP; the store is audited underneath —
 * writes in a transaction of their own (`store.transaction`) and autocommitted statements are counted.
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
}

/** Counts writes that are not pieces of the group commit. Must wrap `db` before the store prepares its statements. */
function auditWrites(db: Db, audit: Audit): () => number {
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => {
    const statement = prepare(source);
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

it("an evaluation of a new session writes its memory sync, holdout assignment and decision through the group commit only", async () => {
  const dir = tempDir();
  const paths = resolvePaths();
  const config = loadConfig({
    NODE_ENV: "test", LOG_LEVEL: "silent", DATABASE_PATH: path.join(dir, "pilotlight.db"), PORT: "0", ...TEST_SECRETS,
    SUGGEST_DEBOUNCE_MS: "0", SUGGEST_HOLDOUT_PCT: "50",
  });
  const logger = createSilentLogger();
  const db = openDatabase(config.DATABASE_PATH);
  migrate(db, paths.migrationsDir);
  const audit: Audit = { ownTransactionWrites: 0, autocommitWrites: 0 };
  const totalChanges = auditWrites(db, audit);
  const raw = createSqliteStore(db, { logger });
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
    // The evaluation ran to its end: user memory synced, the holdout drawn and the decision stored.
    await waitFor(() => count("suggestion_decisions") === n && count("memory_cursors") === n && count("session_assignments") === n, `${sessionId}'s evaluation`);
  }

  // The instance's first evaluation also makes the holdout salt, once (an autocommitted insert of a setting).
  await evaluateNewSession("commits-1", 1);
  audit.ownTransactionWrites = 0;
  audit.autocommitWrites = 0;
  await evaluateNewSession("commits-2", 2);
  expect(audit).toEqual({ ownTransactionWrites: 0, autocommitWrites: 0 });
});

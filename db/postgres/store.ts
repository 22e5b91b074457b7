/**
 * The PostgreSQL adapter of the Store port (db/store.ts): server mode, several instances on one database.
 *
 * - Calls on the store run on the pool, each statement on any free connection.
 * - `transaction()` checks one connection out for its whole length; `tx.transaction()` is a savepoint on it.
 * - `write()` is the group commit: pieces queued in one turn of the event loop share one transaction on one
 *   connection, run one after another. When a piece throws, the transaction is rolled back and the group run
 *   again with a savepoint per piece, so the failing piece rolls back alone. Promises settle after COMMIT. One
 *   group commits at a time; what arrives meanwhile forms the next group.
 * - A group takes the event-log lock first (event-log.repository.ts): ingest groups append to the log, and
 *   taking it before any row lock keeps two instances from each holding what the other waits for.
 */
import type pg from "pg";
import type { Store, Transaction } from "../store.js";
import { lockEventLog } from "./event-log.repository.js";
import { poolExecutor, type Executor } from "./executor.js";
import { migratePostgres, postgresSchemaVersion } from "./migrate.js";
import { createPool, type PoolOptions } from "./pool.js";
import { createPgRepositories } from "./repositories.js";

export interface PostgresStoreOptions extends PoolOptions {
  logger: { error(details: object, message: string): void };
  /** db/migrations/postgres: migrated before the store is handed out. */
  migrationsDir: string;
}

interface GroupItem {
  work: (tx: Transaction) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

function transactionOf(ex: Executor): Transaction {
  return {
    ...createPgRepositories(ex),
    transaction: <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => ex.transaction((inner) => fn(transactionOf(inner))),
  };
}

export async function createPostgresStore(url: string, options: PostgresStoreOptions): Promise<Store & { readonly pool: pg.Pool }> {
  const pool = createPool(url, options);
  // An idle connection the server drops (restart, failover) must not crash the process: the next query reconnects.
  pool.on("error", (err) => options.logger.error({ err }, "idle PostgreSQL connection failed"));
  try {
    await migratePostgres(pool, options.migrationsDir);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const root = poolExecutor(pool);
  let closed = false;
  let queue: GroupItem[] = [];
  let scheduled = false;
  let running: Promise<void> | undefined;

  async function runGroup(items: GroupItem[]): Promise<void> {
    const results: unknown[] = new Array(items.length);
    const failures: unknown[] = new Array(items.length);
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      for (const item of items) item.reject(error);
      return;
    }
    try {
      try {
        // Optimistic: no savepoint per piece.
        await root.onConnection(client, async (ex) => {
          await lockEventLog(ex);
          const tx = transactionOf(ex);
          for (let i = 0; i < items.length; i++) results[i] = await items[i]!.work(tx);
        });
      } catch {
        failures.fill(undefined);
        await root.onConnection(client, async (ex) => {
          await lockEventLog(ex);
          for (let i = 0; i < items.length; i++) {
            try {
              results[i] = await ex.transaction((sp) => items[i]!.work(transactionOf(sp)));
            } catch (error) {
              failures[i] = error ?? new Error("write failed");
            }
          }
        });
      }
    } catch (error) {
      // The commit itself failed (connection lost, the server restarting): nothing of the group is stored, and
      // the connection is discarded rather than handed to the next group.
      client.release(error instanceof Error ? error : true);
      options.logger.error({ err: error, writes: items.length }, "group commit failed");
      for (const item of items) item.reject(error);
      return;
    }
    client.release();
    items.forEach((item, i) => (failures[i] === undefined ? item.resolve(results[i]) : item.reject(failures[i])));
  }

  function flush(): void {
    scheduled = false;
    if (running) return; // the running group's end starts the next one
    const items = queue;
    queue = [];
    if (items.length === 0) return;
    running = runGroup(items).finally(() => {
      running = undefined;
      if (queue.length > 0 && !scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
  }

  return {
    ...createPgRepositories(root),
    dialect: "postgres",
    jobsJoinGroupCommit: false,
    pool,
    transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
      if (closed) return Promise.reject(new Error("the database is closing"));
      return root.transaction((ex) => fn(transactionOf(ex)));
    },
    job<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
      // Its own transaction: PostgreSQL takes concurrent writers, and a group holds the event-log lock.
      if (closed) return Promise.reject(new Error("the database is closing"));
      return root.transaction((ex) => work(transactionOf(ex)));
    },
    write<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
      if (closed) return Promise.reject(new Error("the database is closing"));
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async schemaVersion() {
      if (closed) throw new Error("the database is closed");
      return postgresSchemaVersion(pool);
    },
    async close() {
      if (closed) return;
      closed = true;
      // What was queued before close still commits.
      while (running || queue.length > 0) {
        if (running) await running;
        else flush();
      }
      await pool.end();
    },
  };
}

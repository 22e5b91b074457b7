/**
 * The SQLite adapter of the Store port (db/store.ts) over one better-sqlite3 connection.
 *
 * The repositories stay synchronous underneath; the port hands back settled promises. What the port adds is
 * a transaction that spans awaits (BEGIN … await fn(tx) … COMMIT), and that needs a rule: while it is open,
 * nothing else may run on the connection, or it would silently join the transaction. So the connection has
 * an async mutex. A call on the store itself made while a transaction holds the connection queues until the
 * transaction ends; with no transaction open (the common case) it runs at once, synchronously, behind one
 * boolean check. Calls through `tx` belong to the open transaction and never queue.
 *
 * `write()` is the group commit (formerly db/group-commit.ts): writes queued in one turn of the event loop
 * share one transaction, so the fixed cost of a commit is paid once per group. Optimistic first (no savepoint
 * per piece); when a piece throws, the group is rolled back and run again with a savepoint per piece, so the
 * failing piece rolls back alone. Callers hear (their promise settles) only after the commit.
 */
import type { Db } from "../connection.js";
import { schemaVersion } from "../migrate.js";
import { createRepositories, type SyncRepositories } from "../repositories.js";
import type { RepositoryPorts, Store, Transaction } from "../store.js";

export interface SqliteStoreOptions {
  logger: { error(details: object, message: string): void };
  /** Hears every top-level COMMIT (tests count the group commit's transactions with it). */
  onCommit?: () => void;
  /**
   * GROUP_COMMIT_TURN_MS unless given. Tests that count commits exactly pass Infinity: a budget in time splits a
   * group wherever the machine happened to be slow.
   */
  turnBudgetMs?: number;
}

type AnyFn = (...a: unknown[]) => unknown;

/** Settled promise of a synchronous call: what every port method of this adapter returns. */
function settle<T>(fn: AnyFn, self: unknown, args: unknown[]): Promise<T> {
  try {
    return Promise.resolve(fn.apply(self, args) as T);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Pieces per group commit. A normal turn brings far fewer (one per request answered in it, plus the
 * evaluations and syncs that finished in it); hundreds piled up behind a stall took 50–500 ms in one turn on the realtime bench.
 */
export const GROUP_COMMIT_MAX_PIECES = 64;

/**
 * How long one turn's group runs pieces before it commits what it has run and leaves the rest to the next turn.
 * Pieces differ in weight (with the rules model a piece can be a whole evaluation: reads, decision, writes), so
 * a count alone does not bound a turn. Measured on the realtime bench: with evaluations in one piece and only
 * the count, the longest group took 63–98 ms (p99 14–36 ms) against 32–41 ms before; with this budget 19–24 ms.
 */
export const GROUP_COMMIT_TURN_MS = 8;

interface GroupItem {
  work: (tx: Transaction) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export function createSqliteStore(db: Db, options: SqliteStoreOptions): Store {
  const sync = createRepositories(db);
  const begin = db.prepare("BEGIN");
  const commit = db.prepare("COMMIT");
  const rollback = db.prepare("ROLLBACK");
  const turnBudgetMs = options.turnBudgetMs ?? GROUP_COMMIT_TURN_MS;

  // ---- the connection mutex -------------------------------------------------------------------------
  /** A transaction holds the connection (across its awaits). */
  let held = false;
  /** Who waits for the connection, in arrival order; each is handed the lock (held stays true). */
  const waiting: (() => void)[] = [];
  let closed = false;

  function acquire(): Promise<void> {
    if (!held) {
      held = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => waiting.push(resolve));
  }

  function release(): void {
    const next = waiting.shift();
    if (next) next();
    else held = false;
  }

  /** A root call made while a transaction is open: runs once the connection is free, in arrival order. */
  async function queued<T>(fn: AnyFn, self: unknown, args: unknown[]): Promise<T> {
    await acquire();
    try {
      return fn.apply(self, args) as T;
    } finally {
      release();
    }
  }

  // ---- the ports ------------------------------------------------------------------------------------
  function portOf(repo: Record<string, unknown>, root: boolean): Record<string, unknown> {
    const port: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(repo)) {
      if (typeof value !== "function") continue;
      const fn = value as AnyFn;
      port[name] = root
        ? (...args: unknown[]) => (held ? queued(fn, repo, args) : settle(fn, repo, args))
        : (...args: unknown[]) => settle(fn, repo, args);
    }
    return port;
  }

  function portsOf(root: boolean): RepositoryPorts {
    const ports: Record<string, unknown> = {};
    for (const [name, repo] of Object.entries(sync)) ports[name] = portOf(repo as Record<string, unknown>, root);
    return ports as unknown as RepositoryPorts;
  }

  // ---- transactions ---------------------------------------------------------------------------------
  let savepoints = 0;

  /** A savepoint inside the open transaction. */
  async function nested<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const name = `sp${++savepoints}`;
    db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn(tx);
      db.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      if (db.inTransaction) {
        db.exec(`ROLLBACK TO ${name}`);
        db.exec(`RELEASE ${name}`);
      }
      throw err;
    }
  }

  const tx: Transaction = { ...portsOf(false), transaction: nested };

  /** Runs `fn` in BEGIN … COMMIT on a connection this caller holds. */
  async function inTransaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    begin.run();
    try {
      const result = await fn(tx);
      commit.run();
      options.onCommit?.();
      return result;
    } catch (err) {
      if (db.inTransaction) rollback.run();
      throw err;
    }
  }

  async function transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    if (closed) throw new Error("the database is closing");
    await acquire();
    try {
      return await inTransaction(fn);
    } finally {
      release();
    }
  }

  // ---- group commit ---------------------------------------------------------------------------------
  let queue: GroupItem[] = [];
  let scheduled = false;
  let flushing: Promise<void> = Promise.resolve();
  /** close() has begun: groups run every piece they took, so that nothing is left for a later turn. */
  let draining = false;

  /** Commits what is queued on the next turn (once, however many pieces arrive before it). */
  function scheduleFlush(): void {
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }

  /** Pieces a group left for the next turn: ahead of what was queued since, in their order. */
  function putBack(rest: GroupItem[]): void {
    queue = rest.concat(queue);
    scheduleFlush();
  }

  async function runGroup(items: GroupItem[]): Promise<void> {
    const results: unknown[] = new Array(items.length);
    const failures: unknown[] = new Array(items.length);
    await acquire();
    const started = performance.now();
    try {
      try {
        await inTransaction(async () => {
          for (let i = 0; i < items.length; i++) {
            results[i] = await items[i]!.work(tx);
            // Past the turn's budget: commit these, and let the I/O that waits meanwhile in before the rest.
            if (!draining && i + 1 < items.length && performance.now() - started > turnBudgetMs) {
              putBack(items.splice(i + 1));
              break;
            }
          }
        });
      } catch {
        try {
          await inTransaction(async () => {
            for (let i = 0; i < items.length; i++) {
              try {
                results[i] = await nested(items[i]!.work);
                failures[i] = undefined;
              } catch (error) {
                failures[i] = error ?? new Error("write failed");
              }
            }
          });
        } catch (error) {
          // The commit itself failed (disk full, I/O error): nothing of the group is stored.
          options.logger.error({ err: error, writes: items.length }, "group commit failed");
          for (const item of items) item.reject(error);
          return;
        }
      }
    } finally {
      release();
    }
    for (let i = 0; i < items.length; i++) {
      const failure = failures[i];
      if (failure === undefined) items[i]!.resolve(results[i]);
      else items[i]!.reject(failure);
    }
  }

  function flush(): void {
    scheduled = false;
    let items = queue;
    if (items.length > GROUP_COMMIT_MAX_PIECES) {
      // A backlog (the process was descheduled or stalled): this slice now, the rest on the next turn, after
      // the I/O that waits meanwhile. Left in one piece, the backlog becomes one long turn and then a bigger backlog.
      items = queue.splice(0, GROUP_COMMIT_MAX_PIECES);
      scheduleFlush();
    } else {
      queue = [];
    }
    if (items.length > 0) flushing = runGroup(items);
  }

  function write<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new Error("the database is closing"));
    return new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      scheduleFlush();
    });
  }

  const root = portsOf(true);
  return {
    ...root,
    dialect: "sqlite",
    transaction,
    write,
    // One connection, one writer: a job's writes share the turn's commit.
    job: write,
    jobsJoinGroupCommit: true,
    schemaVersion: () => (closed || !db.open ? Promise.reject(new Error("database is closed")) : held ? queued(() => schemaVersion(db), null, []) : settle(() => schemaVersion(db), null, [])),
    async close(): Promise<void> {
      if (closed) return;
      // From here no group leaves pieces for a later turn, so what is queued now (pieces put back by groups
      // before it included) is all there is to commit.
      draining = true;
      // What is queued now is committed (every slice of it); anything later is refused.
      while (queue.length > 0) flush();
      closed = true;
      await flushing;
      await acquire();
      try {
        db.close();
      } finally {
        release();
      }
    },
  } satisfies Store;
}

export type { SyncRepositories };

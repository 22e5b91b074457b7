/**
 * Group commit: writes queued in the same turn of the event loop share one SQLite transaction, so the
 * fixed cost of a commit (and the pages it writes to the WAL) is paid once per group instead of once per
 * write. Every source of writes on a busy server goes through here — ingests, goal updates, suggestion
 * decisions — so a turn with 50 requests and 10 evaluations commits once.
 *
 * A piece of work that throws rolls back alone and the others commit (the group is retried with a savepoint
 * per piece, so work must have no effects outside the database). Work is synchronous repository calls only
 * (no await inside a transaction); its caller hears the result only once the whole group has committed.
 */
/** Called once the group holding the work has committed (or failed). */
export type CommitCallback<T> = (error: unknown, result: T | undefined) => void;

export interface GroupCommitDeps {
  /** Runs `fn` in one transaction; nested calls must become savepoints (better-sqlite3's `db.transaction`). */
  transaction: <T>(fn: () => T) => T;
  logger: { error(details: object, message: string): void };
}

interface Item {
  work: () => unknown;
  done: CommitCallback<unknown>;
}

export function createGroupCommit(deps: GroupCommitDeps) {
  let queue: Item[] = [];
  let scheduled = false;
  let afterCommit: (() => void)[] = [];
  /** Inside flush(): follow-ups registered now belong to this commit and need no flush of their own. */
  let flushing = false;

  function flush(): void {
    scheduled = false;
    const items = queue;
    queue = [];
    let results: unknown[] = new Array(items.length);
    let failures: unknown[] = new Array(items.length);
    if (items.length > 0) {
      try {
        // Optimistic: no savepoint per piece (two statements each). A piece that throws rolls the whole
        // group back, and the group is then run again with each piece in its own savepoint.
        deps.transaction(() => {
          for (let i = 0; i < items.length; i++) results[i] = items[i]!.work();
        });
      } catch {
        results = new Array(items.length);
        failures = new Array(items.length);
        try {
          deps.transaction(() => {
            for (let i = 0; i < items.length; i++) {
              try {
                results[i] = deps.transaction(items[i]!.work);
              } catch (error) {
                failures[i] = error ?? new Error("write failed");
              }
            }
          });
        } catch (error) {
          // The commit itself failed (disk full, I/O error): nothing of the group is stored.
          deps.logger.error({ err: error, writes: items.length }, "group commit failed");
          afterCommit = [];
          for (const item of items) guard(() => item.done(error, undefined));
          return;
        }
      }
    }
    flushing = true;
    for (let i = 0; i < items.length; i++) {
      const failure = failures[i];
      guard(() => items[i]!.done(failure, failure === undefined ? results[i] : undefined));
    }
    flushing = false;
    // Taken after the callbacks, which may register follow-ups of this very commit.
    const after = afterCommit;
    afterCommit = [];
    for (const fn of after) guard(fn);
  }

  /** A caller's bug must not keep the rest of the group from hearing about its commit. */
  function guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      deps.logger.error({ err }, "group commit callback failed");
    }
  }

  let closed = false;

  function enqueue(item: Item): void {
    if (closed) {
      item.done(new Error("the database is closing"), undefined);
      return;
    }
    queue.push(item);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }

  return {
    /** Runs `work` in the next group transaction; `done` hears its result after the commit. */
    submit<T>(work: () => T, done: CommitCallback<T>): void {
      enqueue({ work, done: done as CommitCallback<unknown> });
    },

    /** The same as a promise. */
    run<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        enqueue({ work, done: (error, result) => (error === undefined ? resolve(result as T) : reject(error)) });
      });
    },

    /**
     * Runs `fn` once the next group has committed (the current one, when called from a commit callback),
     * after every piece of work in it has been told — for what follows a commit (announcing what was
     * stored). Not run when the commit fails.
     */
    afterNextCommit(fn: () => void): void {
      afterCommit.push(fn);
      if (!scheduled && !flushing) {
        scheduled = true;
        setImmediate(flush);
      }
    },

    /** Pieces of work waiting for the next commit. */
    pending: (): number => queue.length,

    /** Commits what is queued now and refuses anything later: the last step before the database closes. */
    close(): void {
      if (queue.length > 0 || afterCommit.length > 0) flush();
      closed = true;
    },
  };
}

export type GroupCommit = ReturnType<typeof createGroupCommit>;

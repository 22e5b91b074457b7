import type { Db } from "./connection.js";

export type EventLogKind = "actions" | "summary";

export interface NewLogEntry {
  productId: string;
  sessionKey: string;
  kind: EventLogKind;
  /** The event JSON as the stream sends it. */
  data: string;
  createdAt: number;
}

export interface LogEntry {
  id: number;
  data: string;
}

export function createEventLogRepository(db: Db) {
  const insert = db.prepare<NewLogEntry>(
    "INSERT INTO event_log (product_id, session_key, kind, data, created_at) VALUES (@productId, @sessionKey, @kind, @data, @createdAt)",
  );
  const after = db.prepare<[string, number, number], LogEntry>(
    "SELECT id, data FROM event_log WHERE product_id = ? AND id > ? ORDER BY id LIMIT ?",
  );
  const afterForSession = db.prepare<[string, string, number, number], LogEntry>(
    "SELECT id, data FROM event_log WHERE product_id = ? AND session_key = ? AND id > ? ORDER BY id LIMIT ?",
  );
  // Ids grow with commit time, so the oldest rows are the first ones: looking at a bounded prefix keeps each
  // batch O(batch) with no index on created_at. (Should the clock ever step back, a younger row among the
  // first ones pauses pruning until it ages too; nothing is deleted early.)
  const prune = db.prepare<[number, number]>(
    "DELETE FROM event_log WHERE id IN (SELECT id FROM event_log ORDER BY id LIMIT ?) AND created_at < ?",
  );
  const minId = db.prepare<[], number | null>("SELECT min(id) FROM event_log").pluck();
  // The highest id ever handed out, pruned or not (AUTOINCREMENT keeps it in sqlite_sequence).
  const sequence = db.prepare<[], number>("SELECT seq FROM sqlite_sequence WHERE name = 'event_log'").pluck();

  const head = (): number => sequence.get() ?? 0;

  return {
    /** Appends an entry and returns its id. Call inside the transaction that stores the event's content. */
    append: (entry: NewLogEntry): number => Number(insert.run(entry).lastInsertRowid),
    /** A product's entries after `afterId`, oldest first; with `sessionKey`, only that session's. */
    after(productId: string, afterId: number, limit: number, sessionKey?: string | null): LogEntry[] {
      return sessionKey ? afterForSession.all(productId, sessionKey, afterId, limit) : after.all(productId, afterId, limit);
    },
    /** Deletes up to `batch` of the oldest entries created before `cutoff`; returns how many went. */
    pruneBatch: (cutoff: number, batch: number): number => prune.run(batch, cutoff).changes,
    /** The id of the newest entry ever appended (0 when none was). */
    head,
    /** Every id up to this one is gone (pruned); a replay after an older id has a hole. */
    prunedThrough(): number {
      const first = minId.get();
      return first === null || first === undefined ? head() : first - 1;
    },
  };
}

export type EventLogRepository = ReturnType<typeof createEventLogRepository>;

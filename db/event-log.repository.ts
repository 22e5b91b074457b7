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

/** A page of the log: its entries, how far it looked (the next read starts after `through`), and whether that is the end. */
export interface LogPage {
  entries: LogEntry[];
  through: number;
  end: boolean;
}

/** Ids one filtered read looks through at most: bounds its work whatever the filter matches. */
const SESSION_SCAN_IDS = 2000;

export function createEventLogRepository(db: Db) {
  const insert = db.prepare<NewLogEntry>(
    "INSERT INTO event_log (product_id, session_key, kind, data, created_at) VALUES (@productId, @sessionKey, @kind, @data, @createdAt)",
  );
  const after = db.prepare<[string, number, number], LogEntry>(
    "SELECT id, data FROM event_log WHERE product_id = ? AND id > ? ORDER BY id LIMIT ?",
  );
  // No index on session_key (see migration 013): a filtered read walks a bounded id range of the product's log.
  const afterForSession = db.prepare<[string, number, number, string, number], LogEntry>(
    "SELECT id, data FROM event_log WHERE product_id = ? AND id > ? AND id <= ? AND session_key = ? ORDER BY id LIMIT ?",
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
    /**
     * A product's entries after `afterId`, oldest first, at most `limit`; with `sessionKey`, only that session's
     * — found by looking through at most SESSION_SCAN_IDS ids, so a page may come back short (or empty)
     * before the end: read on from `through` until `end`.
     */
    after(productId: string, afterId: number, limit: number, sessionKey?: string | null): LogPage {
      if (!sessionKey) {
        const entries = after.all(productId, afterId, limit);
        return { entries, through: entries.at(-1)?.id ?? afterId, end: entries.length < limit };
      }
      const last = head();
      const upTo = Math.min(afterId + SESSION_SCAN_IDS, last);
      const entries = afterForSession.all(productId, afterId, upTo, sessionKey, limit);
      if (entries.length === limit) return { entries, through: entries.at(-1)!.id, end: false };
      return { entries, through: upTo, end: upTo >= last };
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

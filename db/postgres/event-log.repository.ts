import type { EventLogRepository, LogEntry } from "../event-log.repository.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";

/**
 * Advisory lock key ("plevlog") that every transaction appending to event_log holds from before its insert to
 * its commit. An id comes from a sequence at INSERT time, not at COMMIT: without the lock, a transaction could
 * take id 10, another take 11 and commit first, and a stream reader reading `id > cursor` would move its cursor
 * to 11 and never see 10. Holding the lock makes appends commit one transaction at a time in id order (what
 * SQLite's single writer gave for free), so every row a reader can see has all smaller ids visible already.
 */
export const EVENT_LOG_LOCK_ID = 0x706c65766c6f67;

/** As the SQLite adapter: ids one filtered read looks through at most. */
const SESSION_SCAN_IDS = 2000;

/** Takes the event-log lock for the rest of the current transaction (a no-op when already held). */
export async function lockEventLog(ex: Executor): Promise<void> {
  await ex.run("SELECT pg_advisory_xact_lock($1)", [EVENT_LOG_LOCK_ID]);
}

export function createPgEventLogRepository(ex: Executor): AsyncOf<EventLogRepository> {
  /**
   * The newest id appended, as a reader may use it: the highest visible id (appends commit in id order, so every
   * smaller id is visible too). Once retention has emptied the log, the identity sequence's last value instead
   * (what SQLite's sqlite_sequence gives), read under the event-log lock in shared mode: an append in flight may
   * already own that value, and a reader told it as the head would move its cursor past the row before it commits.
   */
  const sequenceHead = async (on: Executor): Promise<number> => {
    await on.run("SELECT pg_advisory_xact_lock_shared($1)", [EVENT_LOG_LOCK_ID]);
    return (await on.row<{ id: number | null }>(
      "SELECT last_value AS id FROM pg_sequences WHERE schemaname = current_schema() AND sequencename = 'event_log_id_seq'",
    ))?.id ?? 0;
  };
  const head = async (): Promise<number> => {
    const newest = (await ex.row<{ id: number | null }>("SELECT max(id) AS id FROM event_log"))!.id;
    if (newest !== null) return newest;
    return ex.inTransaction ? sequenceHead(ex) : ex.transaction(sequenceHead);
  };
  async function append(entry: Parameters<EventLogRepository["append"]>[0], on: Executor): Promise<number> {
    await lockEventLog(on);
    return (await on.row<{ id: number }>(
      "INSERT INTO event_log (product_id, session_key, kind, data, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
      [entry.productId, entry.sessionKey, entry.kind, entry.data, entry.createdAt],
    ))!.id;
  }
  return {
    // Outside a transaction the append makes its own: the lock must be held until the row's commit.
    append: (entry) => (ex.inTransaction ? append(entry, ex) : ex.transaction((tx) => append(entry, tx))),
    async after(productId, afterId, limit, sessionKey) {
      if (!sessionKey) {
        const entries = await ex.rows<LogEntry>("SELECT id, data FROM event_log WHERE product_id = $1 AND id > $2 ORDER BY id LIMIT $3", [productId, afterId, limit]);
        return { entries, through: entries.at(-1)?.id ?? afterId, end: entries.length < limit };
      }
      const last = await head();
      const upTo = Math.min(afterId + SESSION_SCAN_IDS, last);
      const entries = await ex.rows<LogEntry>(
        "SELECT id, data FROM event_log WHERE product_id = $1 AND id > $2 AND id <= $3 AND session_key = $4 ORDER BY id LIMIT $5",
        [productId, afterId, upTo, sessionKey, limit],
      );
      if (entries.length === limit) return { entries, through: entries.at(-1)!.id, end: false };
      return { entries, through: upTo, end: upTo >= last };
    },
    pruneBatch: (cutoff, batch) =>
      ex.run("DELETE FROM event_log WHERE id IN (SELECT id FROM event_log ORDER BY id LIMIT $1) AND created_at < $2", [batch, cutoff]),
    head,
    async prunedThrough() {
      const first = (await ex.row<{ id: number | null }>("SELECT min(id) AS id FROM event_log"))!.id;
      return first === null ? head() : first - 1;
    },
  };
}

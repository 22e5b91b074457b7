import type { Db } from "./connection.js";

export interface StoredAction {
  id: number;
  sessionRef: number;
  batchIndex: number;
  type: string;
  title: string;
  description: string;
  canonicalUrl: string;
  rawUrl: string | null;
  timestampStart: number;
  timestampEnd: number;
  userId: string | null;
  email: string | null;
  conversationId: string | null;
  source: string;
  receivedAt: number;
}

export type NewAction = Omit<StoredAction, "id"> & { dedupeKey: bigint };

const COLUMNS = `id, session_ref, batch_index, type, title, description, canonical_url, raw_url, timestamp_start,
  timestamp_end, user_id, email, conversation_id, source, received_at`;

type ActionRow = [number, number, number, string, string, string, string, string | null, number, number, string | null, string | null, string | null, string, number];

/**
 * Rows are read as arrays and shaped here: better-sqlite3 builds an object row property by property, which
 * costs more than the read itself for the windows evaluations and folds read.
 */
const toStoredAction = (r: ActionRow): StoredAction => ({
  id: r[0], sessionRef: r[1], batchIndex: r[2], type: r[3], title: r[4], description: r[5], canonicalUrl: r[6], rawUrl: r[7],
  timestampStart: r[8], timestampEnd: r[9], userId: r[10], email: r[11], conversationId: r[12], source: r[13], receivedAt: r[14],
});

export function createActionRepository(db: Db) {
  // One row per statement: measured cheaper than a multi-row INSERT … RETURNING (whose 64-bit keys come back
  // as BigInts to be matched with the input). ON CONFLICT DO NOTHING changes nothing for a duplicate.
  const insert = db.prepare<unknown[]>(`
    INSERT INTO actions (session_ref, dedupe_key, batch_index, type, title, description, canonical_url, raw_url,
                         timestamp_start, timestamp_end, user_id, email, conversation_id, source, received_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (session_ref, dedupe_key) DO NOTHING`);
  // Newest first straight off the index (reversed here: cheaper than SQLite re-sorting them).
  const latest = db.prepare<[number, number, number], ActionRow>(
    `SELECT ${COLUMNS} FROM actions WHERE session_ref = ? AND id > ? ORDER BY id DESC LIMIT ?`,
  );
  // What the admin page's session list shows (toText and the current page): five columns, not fifteen.
  const latestText = db.prepare<[number, number, number], Pick<StoredAction, "type" | "title" | "description" | "canonicalUrl" | "receivedAt">>(`
    SELECT type, title, description, canonicalUrl, receivedAt FROM (
      SELECT id, type, title, description, canonical_url AS canonicalUrl, received_at AS receivedAt
      FROM actions WHERE session_ref = ? AND id > ? ORDER BY id DESC LIMIT ?
    ) ORDER BY id`);
  const countAfter = db.prepare<[number, number], { n: number }>(
    "SELECT count(*) AS n FROM actions WHERE session_ref = ? AND id > ?",
  );
  const byType = db.prepare<[number], { type: string; n: number }>(
    "SELECT type, count(*) AS n FROM actions WHERE session_ref = ? GROUP BY type ORDER BY type",
  );
  const nthId = db.prepare<[number, number], { id: number }>(
    "SELECT id FROM actions WHERE session_ref = ? ORDER BY id LIMIT 1 OFFSET ?",
  );
  const oldest = db.prepare<[number, number, number], ActionRow>(
    `SELECT ${COLUMNS} FROM actions WHERE session_ref = ? AND id > ? ORDER BY id LIMIT ?`,
  );
  latest.raw(true);
  oldest.raw(true);
  const lastId = db.prepare<[number], { id: number }>(
    "SELECT id FROM actions WHERE session_ref = ? ORDER BY id DESC LIMIT 1",
  );

  /**
   * Stores the actions that are not yet stored (by dedupe key) and says which ones were new: their
   * position in `actions` and their new id, in input order. Call inside a transaction.
   */
  function insertNew(actions: readonly NewAction[]): { position: number; id: number }[] {
    const stored: { position: number; id: number }[] = [];
    actions.forEach((a, position) => {
      const { changes, lastInsertRowid } = insert.run(
        a.sessionRef, a.dedupeKey, a.batchIndex, a.type, a.title, a.description, a.canonicalUrl, a.rawUrl,
        a.timestampStart, a.timestampEnd, a.userId, a.email, a.conversationId, a.source, a.receivedAt,
      );
      // A key seen earlier in the same batch is a duplicate too: the first one was stored.
      if (changes > 0) stored.push({ position, id: Number(lastInsertRowid) });
    });
    return stored;
  }

  return {
    insertNew,
    /** The newest `limit` actions of a session after action id `afterId`, oldest first. */
    latest: (sessionRef: number, afterId: number, limit: number): StoredAction[] => latest.all(sessionRef, afterId, limit).map(toStoredAction).reverse(),
    /** Like `latest`, with only what toText() and a current page need. */
    latestText: (sessionRef: number, afterId: number, limit: number) => latestText.all(sessionRef, afterId, limit),
    /** The oldest `limit` actions of a session after action id `afterId`, oldest first (what a rolling summary folds). */
    oldest: (sessionRef: number, afterId: number, limit: number): StoredAction[] => oldest.all(sessionRef, afterId, limit).map(toStoredAction),
    countAfter: (sessionRef: number, afterId: number): number => countAfter.get(sessionRef, afterId)!.n,
    countByType(sessionRef: number): Record<string, number> {
      return Object.fromEntries(byType.all(sessionRef).map((r) => [r.type, r.n]));
    },
    /** Id of the session's n-th action (1-based) in storage order, or of its last one when it has fewer. */
    idOfNth(sessionRef: number, n: number): number {
      if (n <= 0) return 0;
      return nthId.get(sessionRef, n - 1)?.id ?? lastId.get(sessionRef)?.id ?? 0;
    },
  };
}

export type ActionRepository = ReturnType<typeof createActionRepository>;

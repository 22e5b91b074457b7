import type { ActionRepository, StoredAction } from "../action.repository.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";

const COLUMNS = `id, session_ref AS "sessionRef", batch_index AS "batchIndex", type, title, description, canonical_url AS "canonicalUrl",
  raw_url AS "rawUrl", timestamp_start AS "timestampStart", timestamp_end AS "timestampEnd", user_id AS "userId", email,
  conversation_id AS "conversationId", source, received_at AS "receivedAt"`;

export function createPgActionRepository(ex: Executor): AsyncOf<ActionRepository> {
  return {
    /**
     * One statement for the whole batch (a round trip per row would dominate): rows go in input order, so ids
     * grow in input order as on SQLite. RETURNING gives the stored rows' keys (as text: a 64-bit key does not
     * fit a JS number); a key appearing twice in the batch is stored once, at its first position.
     */
    async insertNew(actions) {
      if (actions.length === 0) return [];
      const cols: unknown[][] = Array.from({ length: 15 }, () => []);
      for (const a of actions) {
        const values = [a.sessionRef, a.dedupeKey.toString(), a.batchIndex, a.type, a.title, a.description, a.canonicalUrl, a.rawUrl,
          a.timestampStart, a.timestampEnd, a.userId, a.email, a.conversationId, a.source, a.receivedAt];
        values.forEach((v, i) => cols[i]!.push(v));
      }
      const stored = await ex.rows<{ id: number; sessionRef: number; key: string }>(
        `INSERT INTO actions (session_ref, dedupe_key, batch_index, type, title, description, canonical_url, raw_url,
                              timestamp_start, timestamp_end, user_id, email, conversation_id, source, received_at)
         SELECT session_ref, dedupe_key, batch_index, type, title, description, canonical_url, raw_url,
                timestamp_start, timestamp_end, user_id, email, conversation_id, source, received_at
         FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::float8[], $10::float8[], $11::text[], $12::text[], $13::text[], $14::text[], $15::bigint[])
              WITH ORDINALITY AS t(session_ref, dedupe_key, batch_index, type, title, description, canonical_url, raw_url,
                                   timestamp_start, timestamp_end, user_id, email, conversation_id, source, received_at, ord)
         ORDER BY ord
         ON CONFLICT (session_ref, dedupe_key) DO NOTHING
         RETURNING id, session_ref AS "sessionRef", dedupe_key::text AS key`,
        cols,
      );
      const idOf = new Map(stored.map((r) => [`${r.sessionRef}:${r.key}`, r.id]));
      const result: { position: number; id: number }[] = [];
      actions.forEach((a, position) => {
        const k = `${a.sessionRef}:${a.dedupeKey.toString()}`;
        const id = idOf.get(k);
        if (id !== undefined) {
          result.push({ position, id });
          idOf.delete(k);
        }
      });
      return result;
    },
    latest: async (sessionRef, afterId, limit) =>
      (await ex.rows<StoredAction>(`SELECT ${COLUMNS} FROM actions WHERE session_ref = $1 AND id > $2 ORDER BY id DESC LIMIT $3`, [sessionRef, afterId, limit])).reverse(),
    latestText: (sessionRef, afterId, limit) =>
      ex.rows<Pick<StoredAction, "type" | "title" | "description" | "canonicalUrl" | "receivedAt">>(
        `SELECT type, title, description, "canonicalUrl", "receivedAt" FROM (
           SELECT id, type, title, description, canonical_url AS "canonicalUrl", received_at AS "receivedAt"
           FROM actions WHERE session_ref = $1 AND id > $2 ORDER BY id DESC LIMIT $3
         ) t ORDER BY id`,
        [sessionRef, afterId, limit],
      ),
    oldest: (sessionRef, afterId, limit) =>
      ex.rows<StoredAction>(`SELECT ${COLUMNS} FROM actions WHERE session_ref = $1 AND id > $2 ORDER BY id LIMIT $3`, [sessionRef, afterId, limit]),
    countAfter: async (sessionRef, afterId) =>
      (await ex.row<{ n: number }>("SELECT count(*) AS n FROM actions WHERE session_ref = $1 AND id > $2", [sessionRef, afterId]))!.n,
    countByType: async (sessionRef) =>
      Object.fromEntries(
        (await ex.rows<{ type: string; n: number }>(
          `SELECT type, count(*) AS n FROM actions WHERE session_ref = $1 GROUP BY type ORDER BY type COLLATE "C"`,
          [sessionRef],
        )).map((r) => [r.type, r.n]),
      ),
    async idOfNth(sessionRef, n) {
      if (n <= 0) return 0;
      const nth = await ex.row<{ id: number }>("SELECT id FROM actions WHERE session_ref = $1 ORDER BY id LIMIT 1 OFFSET $2", [sessionRef, n - 1]);
      if (nth) return nth.id;
      return (await ex.row<{ id: number }>("SELECT id FROM actions WHERE session_ref = $1 ORDER BY id DESC LIMIT 1", [sessionRef]))?.id ?? 0;
    },
  };
}

import type { StoredSummary, SummaryRepository } from "../summary.repository.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";

const COLUMNS = `id, session_ref AS "sessionRef", text, replaces, covers_through_action_id AS "coversThroughActionId",
  source, forwarded_at AS "forwardedAt", created_at AS "createdAt"`;

export function createPgSummaryRepository(ex: Executor): AsyncOf<SummaryRepository> {
  return {
    insert: async (s) =>
      (await ex.row<{ id: number }>(
        `INSERT INTO summaries (session_ref, dedupe_key, text, replaces, covers_through_action_id, source, forwarded_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (session_ref, dedupe_key) DO NOTHING RETURNING id`,
        [s.sessionRef, s.dedupeKey.toString(), s.text, s.replaces, s.coversThroughActionId, s.source, s.forwardedAt, s.createdAt],
      ))?.id,
    latest: (sessionRef) => ex.row<StoredSummary>(`SELECT ${COLUMNS} FROM summaries WHERE session_ref = $1 ORDER BY id DESC LIMIT 1`, [sessionRef]),
  };
}

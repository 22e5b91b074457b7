import type { Db } from "./connection.js";

export interface StoredSummary {
  id: number;
  sessionRef: number;
  text: string;
  replaces: number;
  coversThroughActionId: number;
  source: string;
  forwardedAt: number | null;
  createdAt: number;
}

export type NewSummary = Omit<StoredSummary, "id"> & { dedupeKey: bigint };

const COLUMNS = `id, session_ref AS sessionRef, text, replaces, covers_through_action_id AS coversThroughActionId,
  source, forwarded_at AS forwardedAt, created_at AS createdAt`;

export function createSummaryRepository(db: Db) {
  const insert = db.prepare<NewSummary, { id: number }>(`
    INSERT INTO summaries (session_ref, dedupe_key, text, replaces, covers_through_action_id, source, forwarded_at, created_at)
    VALUES (@sessionRef, @dedupeKey, @text, @replaces, @coversThroughActionId, @source, @forwardedAt, @createdAt)
    ON CONFLICT (session_ref, dedupe_key) DO NOTHING
    RETURNING id`);
  const latest = db.prepare<[number], StoredSummary>(
    `SELECT ${COLUMNS} FROM summaries WHERE session_ref = ? ORDER BY id DESC LIMIT 1`,
  );
  return {
    /** Returns the new row id, or undefined for a re-delivered summary. */
    insert: (summary: NewSummary): number | undefined => insert.get(summary)?.id,
    latest: (sessionRef: number): StoredSummary | undefined => latest.get(sessionRef),
  };
}

export type SummaryRepository = ReturnType<typeof createSummaryRepository>;

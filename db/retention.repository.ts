/**
 * Table-driven retention: each rule is one DELETE of at most `@limit` rows older than `@horizon`
 * (wall-clock ms), run again and again — each time its own short transaction — until it deletes nothing.
 * Rules run in order, children before parents, so no single DELETE cascades into an unbounded number of rows.
 *
 * A later table joins with ONE entry here, placed before the rule of the table it hangs off, e.g.:
 *   { table: "events",   sql: `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE created_at < @horizon LIMIT @limit)` },
 *   { table: "messages", sql: `DELETE FROM messages WHERE id IN (SELECT m.id FROM conversations c JOIN messages m
 *                               ON m.conversation_id = c.id WHERE c.last_activity_at < @horizon LIMIT @limit)` },
 */
import type { Db } from "./connection.js";

export interface RetentionRule {
  /** The table the rule deletes from (logs and the `table` label of the metric). */
  table: string;
  /** A DELETE of at most @limit rows older than @horizon; must be cheap with the table's indexes. */
  sql: string;
}

/** Rows of sessions whose last_seen_at is older than the horizon. */
const ofOldSessions = (table: string, key: string) => `
  DELETE FROM ${table} WHERE ${key} IN (
    SELECT t.${key} FROM sessions s JOIN ${table} t ON t.session_ref = s.id
    WHERE s.last_seen_at < @horizon LIMIT @limit)`;

export const RETENTION_RULES: readonly RetentionRule[] = [
  { table: "actions", sql: ofOldSessions("actions", "id") },
  { table: "summaries", sql: ofOldSessions("summaries", "id") },
  // Last: by now an old session has no rows left in the tables above (a session seen again in between is
  // no longer old, so it is kept with everything it still has).
  { table: "sessions", sql: "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE last_seen_at < @horizon LIMIT @limit)" },
];

export function createRetentionRepository(db: Db, rules: readonly RetentionRule[] = RETENTION_RULES) {
  const statements = rules.map((rule) => ({ table: rule.table, stmt: db.prepare<{ horizon: number; limit: number }>(rule.sql) }));
  return {
    /** The tables purged, in the order the job must purge them. */
    tables: (): string[] => statements.map((s) => s.table),
    /** Deletes one batch from `table` and returns how many rows went. Runs in its own transaction. */
    purgeBatch(table: string, horizon: number, limit: number): number {
      const entry = statements.find((s) => s.table === table);
      if (!entry) throw new Error(`no retention rule for table ${table}`);
      return entry.stmt.run({ horizon, limit }).changes;
    },
  };
}

export type RetentionRepository = ReturnType<typeof createRetentionRepository>;

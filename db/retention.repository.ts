/**
 * Table-driven retention: each rule is one DELETE of at most `@limit` rows older than `@horizon`
 * (wall-clock ms). The job (server/ops/retention.ts) runs the rules round-robin, one short transaction per
 * batch, until a whole round deletes nothing. Rules work oldest first, so the parent rule (sessions) finds
 * the sessions its child rules have just emptied at the front of its window, and no DELETE ever cascades
 * into an unbounded number of rows.
 *
 * A later table joins with ONE entry here, e.g.:
 *   { table: "events",   sql: `DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE created_at < @horizon
 *                               ORDER BY created_at LIMIT @limit)` },
 *   { table: "messages", sql: `DELETE FROM messages WHERE id IN (SELECT m.id FROM conversations c JOIN messages m
 *                               ON m.conversation_id = c.id WHERE c.last_activity_at < @horizon LIMIT @limit)` },
 * A table hanging off sessions with many rows per session also gets a NOT EXISTS guard in the sessions rule.
 */
import type { Db } from "./connection.js";

export interface RetentionRule {
  /** The table the rule deletes from (logs and the `table` label of the metric). */
  table: string;
  /** A DELETE of at most @limit rows older than @horizon; must be cheap with the table's indexes. */
  sql: string;
}

/** How a dialect writes the two parameters of every rule (SQLite: named; PostgreSQL: positional). */
export interface RetentionPlaceholders {
  horizon: string;
  limit: string;
}

/** Tables with many rows per session: emptied in batches before their session goes. */
const SESSION_CHILDREN = ["actions", "summaries", "suggestion_decisions", "suggestions", "workflow_attempts"] as const;

/** The rules, with the dialect's placeholders: the SQL itself is the same on SQLite and PostgreSQL. */
export function retentionRules({ horizon, limit }: RetentionPlaceholders): readonly RetentionRule[] {
  /**
   * The window every session rule works on: the @limit oldest sessions not seen since the horizon. Looking
   * at no more than that keeps each batch's scan bounded however many expired sessions wait (and however
   * few rows of a given table they have).
   */
  const OLDEST_EXPIRED = `(SELECT id FROM sessions WHERE last_seen_at < ${horizon} ORDER BY last_seen_at LIMIT ${limit})`;

  /** Rows of `table` belonging to the oldest expired sessions. */
  const ofOldestExpired = (table: string) => `
  DELETE FROM ${table} WHERE id IN (
    SELECT t.id FROM ${OLDEST_EXPIRED} o JOIN ${table} t ON t.session_ref = o.id LIMIT ${limit})`;

  /** The @limit conversations whose last activity is oldest and older than the horizon. */
  const OLDEST_QUIET_CONVERSATIONS =
    `(SELECT id FROM conversations WHERE COALESCE(last_message_at, created_at) < ${horizon} ORDER BY COALESCE(last_message_at, created_at) LIMIT ${limit})`;

  return [
    ...SESSION_CHILDREN.map((table) => ({ table, sql: ofOldestExpired(table) })),
    {
      table: "sessions",
      // Only sessions already emptied by the rules above go (their gate, link and user-index rows cascade:
      // one each). A session seen again meanwhile is no longer old.
      sql: `
      DELETE FROM sessions WHERE id IN (
        SELECT o.id FROM ${OLDEST_EXPIRED} o
        WHERE ${SESSION_CHILDREN.map((t) => `NOT EXISTS (SELECT 1 FROM ${t} WHERE session_ref = o.id)`).join("\n          AND ")})`,
    },
    {
      table: "messages",
      sql: `
      DELETE FROM messages WHERE id IN (
        SELECT m.id FROM ${OLDEST_QUIET_CONVERSATIONS} c JOIN messages m ON m.conversation_id = c.id LIMIT ${limit})`,
    },
    {
      table: "conversations",
      // Emptied conversations go with their session links: a widget resuming one starts a new thread.
      sql: `
      DELETE FROM conversations WHERE id IN (
        SELECT c.id FROM ${OLDEST_QUIET_CONVERSATIONS} c WHERE NOT EXISTS (SELECT 1 FROM messages WHERE conversation_id = c.id))`,
    },
  ];
}

export const RETENTION_RULES: readonly RetentionRule[] = retentionRules({ horizon: "@horizon", limit: "@limit" });

export function createRetentionRepository(db: Db, rules: readonly RetentionRule[] = RETENTION_RULES) {
  const statements = rules.map((rule) => ({ table: rule.table, stmt: db.prepare<{ horizon: number; limit: number }>(rule.sql) }));
  return {
    /** The tables purged, in rule order. */
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

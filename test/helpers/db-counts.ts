import type { Db } from "../../db/connection.js";

/**
 * Tables the user-memory job fills in the background from actions already committed (workflow attempts,
 * their steps, its per-session cursor and holdout assignments): a rejected request never writes them, but
 * an earlier accepted one may land there at any moment, so they are left out of "stored nothing" checks.
 * Their own tests (memory-*.test.ts) check what they hold.
 */
const DERIVED_IN_BACKGROUND = new Set(["workflow_attempts", "attempt_steps", "memory_cursors", "session_assignments"]);

/** Row counts of every table that ingestion writes, to prove a rejected request stored nothing. */
export function rowCounts(db: Db): Record<string, number> {
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((t) => t.name)
    .filter((t) => !DERIVED_IN_BACKGROUND.has(t));
  return Object.fromEntries(tables.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]));
}

/** Tables an ingest writes in its own transaction; the suggestion engine writes others later, asynchronously. */
const INGEST_TABLES = ["actions", "sessions", "summaries", "event_log", "user_sessions"];

/**
 * Row counts of the tables ingestion writes, for "a refused request stored nothing" checks in suites where
 * earlier accepted ingests may still get their (debounced, asynchronous) suggestions meanwhile.
 */
export function ingestRowCounts(db: Db): Record<string, number> {
  const all = rowCounts(db);
  return Object.fromEntries(INGEST_TABLES.filter((t) => t in all).map((t) => [t, all[t]!]));
}

import type { TestSql } from "./test-storage.js";

/**
 * Tables the user-memory job fills in the background from actions already committed (workflow attempts,
 * their steps, its per-session cursor and holdout assignments): a rejected request never writes them, but
 * an earlier accepted one may land there at any moment, so they are left out of "stored nothing" checks.
 * Their own tests (memory-*.test.ts) check what they hold.
 */
const DERIVED_IN_BACKGROUND = new Set(["workflow_attempts", "attempt_steps", "memory_cursors", "session_assignments"]);

/** Row counts of every table that ingestion writes, to prove a rejected request stored nothing (either store). */
export async function rowCounts(sql: TestSql): Promise<Record<string, number>> {
  const tables = (await sql.tables()).filter((t) => !DERIVED_IN_BACKGROUND.has(t));
  // One statement for every table: one round trip (the fuzz suites count twice per run, which on PostgreSQL
  // a statement per table made most of their time) and, on PostgreSQL, one snapshot for all the counts.
  const row = await sql.get<Record<string, unknown>>(`SELECT ${tables.map((t) => `(SELECT count(*) FROM "${t}") AS "${t}"`).join(", ")}`);
  return Object.fromEntries(tables.map((t) => [t, Number(row![t])]));
}

/** Tables an ingest writes in its own transaction; the suggestion engine writes others later, asynchronously. */
const INGEST_TABLES = ["actions", "sessions", "summaries", "event_log", "user_sessions"];

/**
 * Row counts of the tables ingestion writes, for "a refused request stored nothing" checks in suites where
 * earlier accepted ingests may still get their (debounced, asynchronous) suggestions meanwhile.
 */
export async function ingestRowCounts(sql: TestSql): Promise<Record<string, number>> {
  const all = await rowCounts(sql);
  return Object.fromEntries(INGEST_TABLES.filter((t) => t in all).map((t) => [t, all[t]!]));
}

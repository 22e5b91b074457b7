/**
 * Applies the PostgreSQL migration history (db/migrations/postgres/NNN_name.sql, numbered as the SQLite one:
 * test/unit/migrations-in-step.test.ts) and records each in schema_migrations. Each migration runs in its own
 * transaction with its record, so a failed one leaves the database at the previous version. Several instances
 * starting at once take turns on a session-level advisory lock: the first migrates, the others find nothing to do.
 */
import type pg from "pg";
import { latestVersion, readMigrations } from "../migrate.js";

/** Advisory lock key of the migrator ("plmigrat" as a number): any constant other locks do not use. */
export const MIGRATION_LOCK_ID = 0x706c6d69;

/** Returns the schema version after migrating. */
export async function migratePostgres(pool: pg.Pool, dir: string): Promise<number> {
  const migrations = readMigrations(dir);
  const latest = latestVersion(migrations);
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
    try {
      await client.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
      );
      const current = Number((await client.query<{ v: string | number | null }>("SELECT max(version) AS v FROM schema_migrations")).rows[0]?.v ?? 0);
      if (current > latest) {
        throw new Error(`database schema version ${current} is newer than this build knows (${latest}); refusing to run an older Pilotlight on it`);
      }
      for (const m of migrations) {
        if (m.version <= current) continue;
        await client.query("BEGIN");
        try {
          await client.query(m.sql);
          await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [m.version, m.name, Date.now()]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw new Error(`PostgreSQL migration ${m.version} (${m.name}) failed: ${(error as Error).message}`, { cause: error });
        }
      }
      return latest;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]);
    }
  } finally {
    client.release();
  }
}

/** The latest migration applied (0 on an empty database). */
export async function postgresSchemaVersion(pool: pg.Pool): Promise<number> {
  const exists = await pool.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists.rows[0]?.t) return 0;
  return Number((await pool.query<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations")).rows[0]?.v ?? 0);
}

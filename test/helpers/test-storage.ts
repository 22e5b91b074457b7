/**
 * Where a test server keeps its data: a SQLite file (the default, `npm test`) or, with
 * PILOTLIGHT_TEST_STORE=postgres (set by vitest.pg.config.ts, `npm run test:pg`), a PostgreSQL schema of its
 * own on PILOTLIGHT_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
 *
 * A test that restarts a server on the same data passes the same `databasePath`: on PostgreSQL that path names
 * a schema (derived from it), so the second server finds the first one's rows. Schemas a server made for itself
 * are dropped when it closes; schemas named after a path are dropped by the run's global teardown
 * (test/pg/global-setup.ts), since the test, not the server, decides when that data is no longer needed.
 *
 * `sql` reads rows with SQL of the test's own, on either store: `?` placeholders, and only SQL both dialects
 * read the same way (counts come back as numbers on both).
 */
import crypto from "node:crypto";
import path from "node:path";
import pg from "pg";
import { openDatabase, type Db } from "../../db/connection.js";
import { migrate } from "../../db/migrate.js";
import { createSqliteStore } from "../../db/sqlite/sqlite-store.js";
import type { Store } from "../../db/store.js";
import type { Logger } from "../../server/logger.js";

export const TEST_STORE: "sqlite" | "postgres" = process.env.PILOTLIGHT_TEST_STORE === "postgres" ? "postgres" : "sqlite";
export const TEST_DATABASE_URL = process.env.PILOTLIGHT_TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
/** Every schema of this run starts with it, so the global teardown drops what a test left and nothing else. */
export const TEST_SCHEMA_PREFIX = `pl_it_${process.env.PILOTLIGHT_TEST_RUN ?? "local"}_`;
/** Connections per test server: several servers run at once on a 2-core machine and one PostgreSQL. */
const TEST_POOL_MAX = 4;

export interface TestSql {
  readonly dialect: "sqlite" | "postgres";
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T | undefined>;
  /** The first column of the first row. */
  value<T = unknown>(sql: string, params?: unknown[]): Promise<T | undefined>;
  /** The application's tables (not the migration bookkeeping). */
  tables(): Promise<string[]>;
}

export interface TestStorage {
  store: Store;
  sql: TestSql;
  /** Closes the store (committing what is queued) and drops what this storage owns. */
  close(): Promise<void>;
  /** Closes the store and keeps the data, for a server started again on the same `databasePath`. */
  closeKeepingData(): Promise<void>;
}

const MIGRATION_TABLES = new Set(["schema_migrations"]);

function sqliteSql(db: Db): TestSql {
  const all = <T>(sql: string, params: unknown[] = []) => db.prepare(sql).all(...params) as T[];
  return {
    dialect: "sqlite",
    all: async (sql, params) => all(sql, params),
    get: async (sql, params) => all(sql, params)[0] as never,
    value: async (sql, params) => {
      const row = all<Record<string, unknown>>(sql, params)[0];
      return (row ? Object.values(row)[0] : undefined) as never;
    },
    tables: async () =>
      all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .map((t) => t.name)
        .filter((t) => !MIGRATION_TABLES.has(t)),
  };
}

/** `?` to `$n` (the tests' SQL has no `?` inside string literals). */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

function postgresSql(pool: pg.Pool, schema: string): TestSql {
  let tableNames: Promise<string[]> | undefined;
  const all = async <T>(sql: string, params: unknown[] = []) => (await pool.query(numbered(sql), params)).rows as T[];
  return {
    dialect: "postgres",
    all,
    get: async (sql, params) => (await all(sql, params))[0] as never,
    value: async (sql, params) => {
      const row = (await all<Record<string, unknown>>(sql, params))[0];
      return (row ? Object.values(row)[0] : undefined) as never;
    },
    // Read once: the schema is migrated before a test server starts and its tables never change after, and
    // the fuzz suites ask twice per run (pg_tables: information_schema's views cost far more per call).
    tables: () =>
      (tableNames ??= all<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = ? ORDER BY tablename COLLATE \"C\"", [schema]).then(
        (rows) => rows.map((t) => t.name).filter((t) => !MIGRATION_TABLES.has(t)),
      )),
  };
}

/** One statement on a connection of its own (schema management, row checks outside any store). */
export async function adminQuery<R extends pg.QueryResultRow>(sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The schema a database path stands for on PostgreSQL (same path, same schema, within one run). */
export const schemaForPath = (databasePath: string) =>
  TEST_SCHEMA_PREFIX + crypto.createHash("sha256").update(path.resolve(databasePath)).digest("hex").slice(0, 16);

export async function createTestSchema(name?: string): Promise<string> {
  const schema = name ?? TEST_SCHEMA_PREFIX + crypto.randomBytes(8).toString("hex");
  await adminQuery(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  return schema;
}

export const dropTestSchema = async (schema: string): Promise<void> => void (await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));

export interface OpenTestStorageOptions {
  /** The SQLite file; on PostgreSQL the schema named after it. */
  databasePath: string;
  /** True when the caller owns the data past this server (a restart test): the schema is not dropped on close. */
  shared: boolean;
  migrationsDir: string;
  logger: Logger;
}

export async function openTestStorage(options: OpenTestStorageOptions): Promise<TestStorage & { db?: Db }> {
  if (TEST_STORE === "postgres") {
    const { createPostgresStore } = await import("../../db/postgres/store.js");
    // Named after the path even when the server owns it: `stop()` (test-server.ts) may hand it to a restart.
    const schema = await createTestSchema(schemaForPath(options.databasePath));
    const store = await createPostgresStore(TEST_DATABASE_URL, {
      schema,
      max: TEST_POOL_MAX,
      logger: options.logger,
      migrationsDir: path.join(options.migrationsDir, "postgres"),
    });
    return {
      store,
      sql: postgresSql(store.pool, schema),
      async close() {
        await store.close();
        if (!options.shared) await dropTestSchema(schema);
      },
      closeKeepingData: () => store.close(),
    };
  }
  const db = openDatabase(options.databasePath);
  migrate(db, options.migrationsDir);
  const store = createSqliteStore(db, { logger: options.logger });
  return { store, db, sql: sqliteSql(db), close: () => store.close(), closeKeepingData: () => store.close() };
}

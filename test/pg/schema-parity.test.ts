import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "../../db/connection.js";
import { migrate } from "../../db/migrate.js";
import { createPool } from "../../db/postgres/pool.js";
import { migratePostgres } from "../../db/postgres/migrate.js";
import { createTestSchema, PG_MIGRATIONS, TEST_DATABASE_URL, type TestSchema } from "./pg-helpers.js";

interface Shape {
  /** table → column → nullable (primary-key columns left out: SQLite reports its rowid alias as nullable). */
  tables: Record<string, Record<string, boolean>>;
  indexes: string[];
}

function sqliteShape(db: Db): Shape {
  const tables: Shape["tables"] = {};
  const names = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
  for (const { name } of names) {
    const columns = db.prepare<[], { name: string; notnull: number; pk: number }>(`PRAGMA table_info(${name})`).all();
    tables[name] = Object.fromEntries(columns.map((c) => [c.name, c.pk > 0 ? false : c.notnull === 0]));
  }
  const indexes = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all().map((r) => r.name);
  return { tables, indexes };
}

describe("PostgreSQL migrator", () => {
  it("rolls a failing migration back whole and stops there", async () => {
    const schema = await createTestSchema();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlight-pgmig-"));
    fs.writeFileSync(path.join(dir, "001_ok.sql"), "CREATE TABLE one (id BIGINT PRIMARY KEY);");
    fs.writeFileSync(path.join(dir, "002_broken.sql"), "CREATE TABLE two (id BIGINT PRIMARY KEY); SELECT no_such_function();");
    const pool = createPool(TEST_DATABASE_URL, { schema: schema.schema, max: 1 });
    try {
      await expect(migratePostgres(pool, dir)).rejects.toThrow(/migration 2 \(broken\) failed/);
      const tables = await pool.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1", [schema.schema]);
      expect(tables.rows.map((r) => r.t)).toEqual(["one", "schema_migrations"]);
      expect((await pool.query<{ v: number }>("SELECT max(version) AS v FROM schema_migrations")).rows[0]!.v).toBe(1);
    } finally {
      await pool.end();
      await schema.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("PostgreSQL and SQLite schemas", () => {
  let schema: TestSchema;
  let dir: string;
  beforeAll(async () => {
    schema = await createTestSchema();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlight-parity-"));
  });
  afterAll(async () => {
    await schema?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("have the same tables, columns, nullability and index names after both histories ran", async () => {
    const db = openDatabase(path.join(dir, "parity.db"));
    migrate(db, path.resolve(import.meta.dirname, "../../db/migrations"));
    const sqlite = sqliteShape(db);
    db.close();

    const pool = createPool(TEST_DATABASE_URL, { schema: schema.schema, max: 2 });
    try {
      await migratePostgres(pool, PG_MIGRATIONS);
      const columns = await pool.query<{ table_name: string; column_name: string; is_nullable: string }>(
        `SELECT table_name, column_name, is_nullable FROM information_schema.columns
         WHERE table_schema = $1 AND table_name <> 'schema_migrations' ORDER BY table_name, ordinal_position`,
        [schema.schema],
      );
      const pk = await pool.query<{ table_name: string; column_name: string }>(
        `SELECT k.table_name, k.column_name FROM information_schema.table_constraints t
         JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name AND k.table_schema = t.table_schema
         WHERE t.table_schema = $1 AND t.constraint_type = 'PRIMARY KEY'`,
        [schema.schema],
      );
      const pkSet = new Set(pk.rows.map((r) => `${r.table_name}.${r.column_name}`));
      const tables: Shape["tables"] = {};
      for (const r of columns.rows) {
        (tables[r.table_name] ??= {})[r.column_name] = pkSet.has(`${r.table_name}.${r.column_name}`) ? false : r.is_nullable === "YES";
      }
      // Indexes that back a primary key or UNIQUE constraint are named by each engine its own way; the rest by us.
      const indexes = await pool.query<{ indexname: string }>(
        `SELECT i.indexname FROM pg_indexes i WHERE i.schemaname = $1
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1 AND c.conname = i.indexname)
         ORDER BY i.indexname`,
        [schema.schema],
      );
      expect({ tables, indexes: indexes.rows.map((r) => r.indexname) }).toEqual(sqlite);
      // Migrating again changes nothing; a database a newer build migrated is refused, not run on.
      const latest = await migratePostgres(pool, PG_MIGRATIONS);
      expect(latest).toBe(14);
      await pool.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from_the_future', 0)", [latest + 1]);
      await expect(migratePostgres(pool, PG_MIGRATIONS)).rejects.toThrow(/newer than this build knows/);
    } finally {
      await pool.end();
    }
  });
});

import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/connection.js";
import { migrate, readMigrations, schemaVersion } from "../../db/migrate.js";
import { resolvePaths } from "../../server/paths.js";
import { tempDir } from "../helpers/test-server.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function migrationsDir(files: Record<string, string>): string {
  const dir = tempDir("pilotlight-migrations-");
  dirs.push(dir);
  for (const [name, sql] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), sql);
  return dir;
}

describe("migrations", () => {
  it("the shipped migrations are numbered 1…n and bring a new database to the last version", () => {
    const dir = resolvePaths().migrationsDir;
    const list = readMigrations(dir);
    expect(list.map((m) => m.version)).toEqual(list.map((_, i) => i + 1));
    const db = openDatabase(":memory:");
    expect(migrate(db, dir)).toBe(list.length);
    expect(schemaVersion(db)).toBe(list.length);
    expect(migrate(db, dir)).toBe(list.length); // a second run applies nothing
  });

  it("refuses a gap or a duplicate number", () => {
    expect(() => readMigrations(migrationsDir({ "001_a.sql": "", "003_c.sql": "" }))).toThrow(/without gaps; found 3 \(c\)/);
    expect(() => readMigrations(migrationsDir({ "001_a.sql": "", "001_b.sql": "" }))).toThrow(/without gaps/);
    expect(() => readMigrations(migrationsDir({ "1-a.sql": "" }))).toThrow(/001_name\.sql/);
  });

  it("leaves a database at the previous version when a migration fails", () => {
    const dir = migrationsDir({ "001_a.sql": "CREATE TABLE a (x INTEGER);", "002_b.sql": "CREATE TABLE b (x INTEGER); SELECT nope FROM nowhere;" });
    const db = openDatabase(":memory:");
    expect(() => migrate(db, dir)).toThrow(/no such table: nowhere/);
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).toBeUndefined();
  });

  it("refuses to run an older build on a newer database", () => {
    const db = openDatabase(":memory:");
    db.pragma("user_version = 99");
    expect(() => migrate(db, migrationsDir({ "001_a.sql": "" }))).toThrow(/newer than this build knows/);
  });
});

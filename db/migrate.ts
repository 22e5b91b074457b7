/**
 * Applies numbered SQL migrations (`NNN_name.sql`) in order, tracking progress in `PRAGMA user_version`.
 * Each file runs in its own transaction together with the version bump, so a failed migration leaves
 * the database at the previous version.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Db } from "./connection.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(dir: string): Migration[] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
  const migrations = files.map((file) => {
    const match = /^(\d+)_([\w-]+)\.sql$/.exec(file);
    if (!match) throw new Error(`migration file name must look like 001_name.sql: ${file}`);
    return { version: Number(match[1]), name: match[2] ?? file, sql: fs.readFileSync(path.join(dir, file), "utf8") };
  });
  // Versions are 1, 2, 3… with no gap: a gap would let a migration merged later be skipped by databases
  // already past its number.
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations must be numbered 1, 2, 3… without gaps; found ${m.version} (${m.name}) at position ${i + 1}`);
  });
  return migrations;
}

/** The version a fully migrated database has: the highest migration number. */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.at(-1)?.version ?? 0;
}

/** Returns the schema version after migrating. */
export function migrate(db: Db, dir: string): number {
  const migrations = readMigrations(dir);
  const current = db.pragma("user_version", { simple: true }) as number;
  const latest = latestVersion(migrations);
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this build knows (${latest}); refusing to run an older Pilotlight on it`);
  }
  // Migrations that turn stored secrets into hashes (008) call this from SQL.
  db.function("pl_sha256_hex", { deterministic: true }, (value: unknown) => crypto.createHash("sha256").update(String(value)).digest("hex"));
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  // Old page images (a value a migration replaced) leave the WAL instead of waiting for the next checkpoint.
  if (latest > current) db.pragma("wal_checkpoint(TRUNCATE)");
  return latest;
}

export function schemaVersion(db: Db): number {
  return db.pragma("user_version", { simple: true }) as number;
}

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readMigrations } from "../../db/migrate.js";

const SQLITE = path.resolve(import.meta.dirname, "../../db/migrations");
const POSTGRES = path.join(SQLITE, "postgres");

describe("migration histories", () => {
  it("has the same numbered migrations, with the same names, for SQLite and PostgreSQL", () => {
    const names = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith(".sql")).sort();
    expect(names(SQLITE).length).toBeGreaterThanOrEqual(13);
    expect(names(POSTGRES)).toEqual(names(SQLITE));
    // Both read as a gap-free history.
    expect(readMigrations(POSTGRES).map((m) => [m.version, m.name])).toEqual(readMigrations(SQLITE).map((m) => [m.version, m.name]));
  });
});

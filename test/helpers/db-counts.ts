import type { Db } from "../../db/connection.js";

/** Row counts of every table that ingestion writes, to prove a rejected request stored nothing. */
export function rowCounts(db: Db): Record<string, number> {
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((t) => t.name);
  return Object.fromEntries(tables.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]));
}

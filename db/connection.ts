/**
 * Opens the SQLite file with the pragmas every part of Pilotlight relies on.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  // WAL lets readers (context endpoint, stream replay) run beside the single writer.
  db.pragma("journal_mode = WAL");
  // NORMAL in WAL mode: a committed transaction survives a process crash (SIGKILL); only an OS crash or
  // power loss can drop the last commits. That is the durability a 2xx promises (see README).
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  // 32 MiB of page cache keeps the hot ends of the action indexes in memory under sustained ingest.
  db.pragma("cache_size = -32768");
  return db;
}

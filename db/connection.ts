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
  // Checkpoint every ~40 MB of WAL instead of SQLite's 4 MB: each checkpoint fsyncs twice and copies the
  // newest version of every page it covers, so under sustained ingest (whose commits rewrite the same hot
  // index pages) fewer, larger checkpoints cost a fraction of the time — measured, about a third of
  // insert time at the default. The WAL file is cut back to 64 MB after a checkpoint resets it.
  db.pragma("wal_autocheckpoint = 10000");
  db.pragma("journal_size_limit = 67108864");
  return db;
}

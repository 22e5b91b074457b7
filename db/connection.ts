/**
 * Opens the SQLite file with the pragmas every part of Pilotlight relies on.
 *
 * The file holds secrets the server must use (push, identity, PostHog and conversation-token secrets), so
 * it is the owner's alone: created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the
 * main file's mode, whatever the umask), and brought back to 0600 if an older install left it readable.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { foldCase } from "./fold-case.js";

export type Db = Database.Database;

const OWNER_ONLY = 0o600;
const COMPANIONS = ["", "-wal", "-shm", "-journal"];

/** Makes the database file and its companions (when they exist) readable and writable by the owner only. */
function restrict(file: string): void {
  for (const suffix of COMPANIONS) {
    try {
      if ((fs.statSync(file + suffix).mode & 0o777) !== OWNER_ONLY) fs.chmodSync(file + suffix, OWNER_ONLY);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
}

/** fold(text): foldCase() in SQL. A non-text value (NULL, a number) comes back as it is, as from lower(). */
function registerFold(db: Db): void {
  db.function("fold", { deterministic: true }, (value: unknown) => (typeof value === "string" ? foldCase(value) : value));
}

export function openDatabase(file: string): Db {
  const onDisk = file !== ":memory:" && file !== "";
  if (onDisk) {
    // A directory Pilotlight creates is the owner's alone too; an existing one is left as it is.
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
    fs.closeSync(fs.openSync(file, "a", OWNER_ONLY));
    restrict(file);
  }
  const db = new Database(file);
  registerFold(db);
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
  // The -wal and -shm files exist now; left by an older install they may still be readable by others.
  if (onDisk) restrict(file);
  return db;
}

import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "../../db/connection.js";
import { startWalCheckpointer } from "../../db/wal-checkpointer.js";
import { tempDir } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";

let dir: string;
let db: Db;
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Commits ~4 MB in small transactions, as a busy server would. */
function write(db: Db): void {
  db.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, pad TEXT)");
  const insert = db.prepare("INSERT INTO t (pad) VALUES (?)");
  const commit = db.transaction(() => {
    for (let i = 0; i < 40; i++) insert.run("x".repeat(1000));
  });
  for (let i = 0; i < 100; i++) commit();
}

describe("background WAL checkpoints", () => {
  it("copy committed pages into the database file off the main thread, and stop cleanly", async () => {
    dir = tempDir();
    const file = path.join(dir, "w.db");
    db = openDatabase(file);
    // Far above what the test writes: only the worker can checkpoint.
    db.pragma("wal_autocheckpoint = 40000");
    const errors: string[] = [];
    const checkpointer = startWalCheckpointer(db, { intervalMs: 10, onError: (m) => errors.push(m) });
    write(db);
    // The pages reach the database file only through the worker's checkpoints.
    await waitFor(() => fs.statSync(file).size > 3_000_000, "the database file to receive the WAL's pages");
    await checkpointer.stop();
    expect(errors).toEqual([]);
  });

  it("without it, the same writes stay in the WAL (control)", () => {
    dir = tempDir();
    const file = path.join(dir, "w.db");
    db = openDatabase(file);
    db.pragma("wal_autocheckpoint = 40000");
    write(db);
    expect(fs.statSync(file).size).toBeLessThan(100_000);
  });
});

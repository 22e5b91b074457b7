import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "../../db/connection.js";
import { createGroupCommit } from "../../db/group-commit.js";
import { createSilentLogger } from "../../server/logger.js";
import { tempDir } from "../helpers/test-server.js";

let dir: string;
let db: Db;
let transactions: number;
let commits: ReturnType<typeof createGroupCommit>;
const rows = () => db.prepare("SELECT v FROM t ORDER BY v").pluck().all();

beforeEach(() => {
  dir = tempDir();
  db = openDatabase(path.join(dir, "g.db"));
  db.exec("CREATE TABLE t (v INTEGER PRIMARY KEY)");
  transactions = 0;
  const tx = db.transaction(<T>(fn: () => T): T => fn());
  let depth = 0;
  const transaction = <T>(fn: () => T): T => {
    if (depth === 0) transactions++;
    depth++;
    try {
      return tx(fn) as T;
    } finally {
      depth--;
    }
  };
  commits = createGroupCommit({ transaction, logger: createSilentLogger() });
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const insert = (v: number) => () => db.prepare("INSERT INTO t (v) VALUES (?)").run(v).changes;

describe("group commit", () => {
  it("commits the work of one turn in one transaction and answers each piece after it", async () => {
    const results = await Promise.all([commits.run(insert(1)), commits.run(insert(2)), commits.run(insert(3))]);
    expect(results).toEqual([1, 1, 1]);
    expect(transactions).toBe(1);
    expect(rows()).toEqual([1, 2, 3]);
  });

  it("rolls back only the piece that throws; the others commit", async () => {
    await commits.run(insert(5));
    const outcomes = await Promise.allSettled([commits.run(insert(6)), commits.run(insert(5)), commits.run(insert(7))]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(rows()).toEqual([5, 6, 7]);
  });

  it("runs after-commit follow-ups once the commit's pieces have heard", async () => {
    const order: string[] = [];
    commits.afterNextCommit(() => order.push("after"));
    commits.submit(insert(1), () => {
      order.push("piece");
      // Registered from a commit callback: belongs to this commit.
      commits.afterNextCommit(() => order.push("follow-up"));
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(["piece", "after", "follow-up"]);
  });

  it("commits what is queued when it closes, and refuses work afterwards", async () => {
    const pending = commits.run(insert(9));
    commits.close();
    expect(rows()).toEqual([9]);
    await expect(pending).resolves.toBe(1);
    await expect(commits.run(insert(10))).rejects.toThrow(/closing/);
  });
});

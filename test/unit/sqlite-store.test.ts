/**
 * The SQLite adapter of the Store port over a real, migrated file: transactions that span awaits, the
 * connection mutex that keeps other calls out of them, savepoints, and the group commit behind `write()`.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/connection.js";
import { migrate } from "../../db/migrate.js";
import { createSqliteStore, GROUP_COMMIT_MAX_PIECES, GROUP_COMMIT_TURN_MS } from "../../db/sqlite/sqlite-store.js";
import type { Store } from "../../db/store.js";
import { createSilentLogger } from "../../server/logger.js";
import { resolvePaths } from "../../server/paths.js";
import { tempDir } from "../helpers/test-server.js";

let dir: string;
let store: Store;
let commits: number;
const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeEach(() => {
  dir = tempDir();
  const db = openDatabase(path.join(dir, "store.db"));
  migrate(db, resolvePaths().migrationsDir);
  commits = 0;
  // Commits are counted exactly here; the turn's time budget has a test of its own.
  store = createSqliteStore(db, { logger: createSilentLogger(), onCommit: () => commits++, turnBudgetMs: Infinity });
});
afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const set = (key: string, value: string) => store.write((tx) => tx.settings.set(key, value));

describe("SQLite store: jobs", () => {
  it("a job is a piece of the group commit: queued in one turn with writes, it shares their commit", async () => {
    const before = commits;
    const [, seen] = await Promise.all([
      set("job-a", "1"),
      store.job(async (tx) => {
        await tx.settings.set("job-b", "2");
        // Pieces run in order inside the one transaction: the write queued before it is visible.
        return tx.settings.get("job-a");
      }),
      set("job-c", "3"),
    ]);
    expect(seen).toBe("1");
    expect(commits - before).toBe(1);
    expect(await Promise.all(["job-a", "job-b", "job-c"].map((k) => store.settings.get(k)))).toEqual(["1", "2", "3"]);
  });
});

describe("SQLite store: transactions across awaits", () => {
  it("keeps other calls out of an open transaction: they wait for it and see only what it committed", async () => {
    const order: string[] = [];
    const tx = store.transaction(async (t) => {
      await t.settings.set("k", "inside");
      await later(20); // a real wait: other calls get every chance to run meanwhile
      order.push("tx done");
    });
    // Made while the transaction is open: neither joins it.
    const read = store.settings.get("k").then((v) => (order.push("read"), v));
    const write = store.settings.set("other", "outside").then(() => order.push("write"));
    await Promise.all([tx, read, write]);
    expect(order).toEqual(["tx done", "read", "write"]);
    expect(await read).toBe("inside");
    expect(await store.settings.get("other")).toBe("outside");
  });

  it("rolls back a transaction that throws, and a call that waited for it is not rolled back with it", async () => {
    const failing = store.transaction(async (t) => {
      await t.settings.set("k", "never");
      await later(10);
      throw new Error("boom");
    });
    const outside = store.settings.set("kept", "yes");
    await expect(failing).rejects.toThrow("boom");
    await outside;
    expect(await store.settings.get("k")).toBeUndefined();
    expect(await store.settings.get("kept")).toBe("yes");
  });

  it("nested transactions are savepoints: an inner failure undoes only its own writes", async () => {
    await store.transaction(async (t) => {
      await t.settings.set("outer", "1");
      await expect(t.transaction(async (sp) => {
        await sp.settings.set("inner", "1");
        throw new Error("inner fails");
      })).rejects.toThrow("inner fails");
      await t.transaction((sp) => sp.settings.set("inner2", "1"));
    });
    expect(await store.settings.get("outer")).toBe("1");
    expect(await store.settings.get("inner")).toBeUndefined();
    expect(await store.settings.get("inner2")).toBe("1");
    expect(commits).toBe(1);
  });
});

describe("SQLite store: group commit (write)", () => {
  it("commits the writes of one turn in one transaction and answers each after it", async () => {
    const results = await Promise.all([1, 2, 3].map((i) => store.write(async (tx) => {
      await tx.settings.set(`g${i}`, String(i));
      return i;
    })));
    expect(results).toEqual([1, 2, 3]);
    expect(commits).toBe(1);
    expect(await store.settings.get("g2")).toBe("2");
  });

  it("rolls back only the piece that throws; the others commit", async () => {
    const outcomes = await Promise.allSettled([
      set("a", "1"),
      store.write(async (tx) => {
        await tx.settings.set("b", "1");
        throw new Error("this piece fails");
      }),
      set("c", "1"),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/this piece fails/);
    expect([await store.settings.get("a"), await store.settings.get("b"), await store.settings.get("c")]).toEqual(["1", undefined, "1"]);
  });

  it("commits a backlog in slices, each piece answered after its own slice has committed", async () => {
    const count = GROUP_COMMIT_MAX_PIECES * 2 + 1;
    const answered: number[] = [];
    const results = await Promise.all(Array.from({ length: count }, (_, i) => store.write(async (tx) => {
      await tx.settings.set(`backlog${i}`, String(i));
      return i;
    }).then((i) => {
      // Heard only once committed: the commit count already includes this piece's slice.
      answered.push(commits);
      return i;
    })));
    expect(results).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(commits).toBe(3);
    // In arrival order: the first slice is answered before the later slices commit.
    expect(answered[0]).toBe(1);
    expect(answered.at(-1)).toBe(3);
    expect(await store.settings.get(`backlog${count - 1}`)).toBe(String(count - 1));
  });

  describe("a turn's time budget", () => {
    /** A piece that keeps the event loop for longer than a turn's budget (a busy wait, not a timer: no turn ends). */
    const heavy = (i: number) => store.write(async (tx) => {
      const until = performance.now() + GROUP_COMMIT_TURN_MS + 2;
      while (performance.now() < until) {
        // spinning on purpose
      }
      await tx.settings.set(`heavy${i}`, String(i));
      return i;
    });

    beforeEach(async () => {
      await store.close();
      const db = openDatabase(path.join(dir, "store.db"));
      store = createSqliteStore(db, { logger: createSilentLogger(), onCommit: () => commits++ });
    });

    it("commits what it has run once past it and leaves the rest, in order, to the next turns", async () => {
      const answered: number[] = [];
      const results = await Promise.all([0, 1, 2].map((i) => heavy(i).then((r) => {
        answered.push(r);
        return r;
      })));
      expect(results).toEqual([0, 1, 2]);
      expect(answered).toEqual([0, 1, 2]);
      // Each piece alone outlasts the budget: one commit each, where a count alone would have made one.
      expect(commits).toBe(3);
      expect(await store.settings.get("heavy2")).toBe("2");
    });

    it("still commits every piece queued when it closes, past the budget or not", async () => {
      const pending = [0, 1, 2].map(heavy);
      await store.close();
      await expect(Promise.all(pending)).resolves.toEqual([0, 1, 2]);
      const db = openDatabase(path.join(dir, "store.db"));
      store = createSqliteStore(db, { logger: createSilentLogger() });
      expect(await store.settings.get("heavy2")).toBe("2");
    });
  });

  it("commits every slice of a backlog queued when it closes", async () => {
    const count = GROUP_COMMIT_MAX_PIECES * 2 + 1;
    const pending = Array.from({ length: count }, (_, i) => set(`closing${i}`, "1"));
    await store.close();
    await expect(Promise.all(pending)).resolves.toHaveLength(count);
    const db = openDatabase(path.join(dir, "store.db"));
    store = createSqliteStore(db, { logger: createSilentLogger() });
    expect(await store.settings.get("closing0")).toBe("1");
    expect(await store.settings.get(`closing${count - 1}`)).toBe("1");
  });

  it("commits what is queued when it closes, and refuses work afterwards", async () => {
    const pending = set("last", "1");
    await store.close();
    await expect(pending).resolves.toBeUndefined();
    await expect(set("late", "1")).rejects.toThrow(/closing/);
    await expect(store.schemaVersion()).rejects.toThrow(/closed/);
    // Reopened: what was queued before close is there.
    const db = openDatabase(path.join(dir, "store.db"));
    store = createSqliteStore(db, { logger: createSilentLogger() });
    expect(await store.settings.get("last")).toBe("1");
  });
});

import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../db/store.js";
import { describeStoreContract } from "../contract/store.contract.js";
import { createTestSchema, openTestStore, type TestSchema } from "./pg-helpers.js";

describeStoreContract("PostgreSQL", async () => {
  const schema = await createTestSchema();
  const store = await openTestStore(schema.schema);
  return {
    store,
    async close() {
      await store.close();
      await schema.drop();
    },
  };
});

describe("PostgreSQL store across instances", () => {
  let schema: TestSchema;
  let stores: Store[] = [];

  beforeAll(async () => {
    schema = await createTestSchema();
    // Three instances starting at once: the migrator's lock lets one migrate; the others find nothing to do.
    stores = await Promise.all([openTestStore(schema.schema, 6), openTestStore(schema.schema, 6), openTestStore(schema.schema, 6)]);
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await schema?.drop();
  });

  it("migrates once when several instances start together", async () => {
    for (const s of stores) expect(await s.schemaVersion()).toBe(14);
    const applied = await (stores[0] as Store & { pool: pg.Pool }).pool.query<{ n: number }>("SELECT count(*) AS n FROM schema_migrations");
    expect(applied.rows[0]!.n).toBe(14);
  });

  it("close() commits the writes already queued, then refuses new ones", async () => {
    const extra = await openTestStore(schema.schema, 2);
    const queued = [1, 2, 3].map((i) => extra.write((tx) => tx.settings.set(`close-${i}`, String(i))));
    await extra.close();
    await Promise.all(queued);
    expect(await Promise.all([1, 2, 3].map((i) => stores[0]!.settings.get(`close-${i}`)))).toEqual(["1", "2", "3"]);
    await expect(extra.write((tx) => tx.settings.set("close-4", "4"))).rejects.toThrow(/closing/);
    await expect(extra.schemaVersion()).rejects.toThrow(/closed/);
  });

  it("a job runs in a transaction of its own, not behind a group commit that holds the event-log lock", async () => {
    // A group held open (its piece waits): on the old path an evaluation's reads queued behind groups like it.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const group = stores[0]!.write(async (tx) => {
      await tx.settings.set("job-group", "g");
      await held;
    });
    await sleep(50);
    const job = stores[0]!.job(async (tx) => {
      await tx.settings.set("job-own", "j");
      return tx.settings.get("job-own");
    });
    const first = await Promise.race([job.then(() => "job"), sleep(5_000).then(() => "timed out")]);
    release();
    await group;
    expect(first).toBe("job");
    expect(await job).toBe("j");
    expect(await stores[1]!.settings.get("job-group")).toBe("g");
  });

  it("event-log ids grow in commit order: a reader polling by cursor never sees an id go back or miss a row", async () => {
    const [a] = stores;
    const productId = "race";
    await a!.products.save({
      id: productId, name: "Race", pushSecret: "push-secret-0123456789", streamTokenHash: "00".repeat(32), productKey: "pk_race",
      identitySecret: null, posthogSecret: "posthog-secret-0123456789", allowedOrigins: [], createdAt: 1, updatedAt: 1,
    });
    const WRITERS_PER_STORE = 6;
    const APPENDS_PER_WRITER = 15;
    const appended: number[] = [];
    let writing = true;

    // Each transaction takes its id, then holds its commit back a little (a random 0-3 ms): without the
    // commit-order lock, a later id would often commit first and the reader would move past a smaller one.
    const writer = async (store: Store, w: number) => {
      for (let i = 0; i < APPENDS_PER_WRITER; i++) {
        const id = await store.transaction(async (tx) => {
          const id = await tx.eventLog.append({ productId, sessionKey: `s${w}`, kind: "actions", data: `{"w":${w},"i":${i}}`, createdAt: Date.now() });
          await sleep(Math.floor(Math.random() * 4));
          return id;
        });
        appended.push(id);
      }
    };
    const seen: number[] = [];
    let cursor = 0;
    /** One poll as a stream reader does it: everything after the cursor, the cursor moved to the last id read. */
    const poll = async (): Promise<number> => {
      const page = await stores[2]!.eventLog.after(productId, cursor, 50);
      for (const e of page.entries) {
        seen.push(e.id);
        cursor = e.id;
      }
      return page.entries.length;
    };
    const reader = (async () => {
      while (writing) if ((await poll()) === 0) await sleep(1);
    })();
    await Promise.all(stores.flatMap((s, si) => Array.from({ length: WRITERS_PER_STORE }, (_, w) => writer(s, si * WRITERS_PER_STORE + w))));
    writing = false;
    await reader;
    // Every writer has committed: read what is left.
    while ((await poll()) > 0);
    expect(appended).toHaveLength(stores.length * WRITERS_PER_STORE * APPENDS_PER_WRITER);
    // Every committed row was read, exactly once, in increasing id order.
    expect(seen).toEqual([...appended].sort((x, y) => x - y));
  });

  it("group commits of several instances appending to the log at once all commit, ids unique", async () => {
    const productId = "race";
    const results = await Promise.all(stores.flatMap((s, si) => Array.from({ length: 40 }, (_, i) =>
      s.write(async (tx) => {
        const ref = await tx.sessions.touch({ productId, sessionKey: `shared-${i % 5}`, userId: null, email: null, now: Date.now() });
        await tx.sessions.recordActivity(ref, { userId: null, email: null, now: Date.now(), added: 1 });
        return tx.eventLog.append({ productId, sessionKey: `shared-${i % 5}`, kind: "actions", data: `{"s":${si},"i":${i}}`, createdAt: Date.now() });
      }),
    )));
    expect(new Set(results).size).toBe(results.length);
    const counts = await Promise.all([0, 1, 2, 3, 4].map(async (k) => (await stores[0]!.sessions.findByKey(productId, `shared-${k}`))!.actionCount));
    expect(counts).toEqual([24, 24, 24, 24, 24]);
  });

  it("check-then-create paths leave one row when instances race", async () => {
    const productId = "race";
    const refs = await Promise.all(stores.map((s) => s.sessions.touch({ productId, sessionKey: "first-sight", userId: null, email: null, now: Date.now() })));
    expect(new Set(refs).size).toBe(1);
    const ref = refs[0]!;
    await Promise.all(["c1", "c2", "c3"].map((id, i) => stores[i]!.conversations.create({ id, productId, userId: null, now: Date.now() })));
    const links = await Promise.all(["c1", "c2", "c3"].map((id, i) => stores[i]!.conversations.link(ref, id, "new", Date.now())));
    // Every instance is told the same link: the one that won.
    expect(new Set(links.map((l) => l.conversationId)).size).toBe(1);
    await Promise.all(stores.map((s, i) => s.attempts.assign(ref, i % 2 === 0, "session", Date.now())));
    const assignment = await stores[0]!.attempts.assignmentOf(ref);
    for (const s of stores) expect(await s.attempts.assignmentOf(ref)).toEqual(assignment);
  });
});

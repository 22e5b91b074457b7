/**
 * Two instances starting for the first time at once on one PostgreSQL database: each bootstraps in its own
 * transaction, and both must come out with the same generated secrets and products (settings.setIfAbsent,
 * products.insertIfAbsent), and only one of them reports (prints) each generated value. Likewise the
 * holdout salt: both instances must put a session in the same group.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Store } from "../../db/store.js";
import { systemClock } from "../../server/clock.js";
import { loadConfig } from "../../server/config.js";
import { createHoldoutDraw, holdoutBucket } from "../../server/memory/holdout.js";
import { bootstrapInstance } from "../../server/products/bootstrap-instance.js";
import { openTwoInstances, type TwoInstances } from "./pg-helpers.js";

const config = loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", DATABASE_PATH: ":memory:", PORT: "0" });

let instances: TwoInstances | undefined;
afterEach(async () => {
  await instances?.close();
  instances = undefined;
});

async function twoInstances(): Promise<[Store, Store]> {
  instances = await openTwoInstances();
  return instances.stores;
}

describe("first start of two instances at once on one PostgreSQL database", () => {
  it("keeps one set of generated secrets, reported by one instance only", async () => {
    // A few rounds on fresh schemas: each one is a new race.
    for (let round = 0; round < 5; round++) {
      const [a, b] = await twoInstances();
      const [x, y] = await Promise.all([bootstrapInstance({ config, repos: a, clock: systemClock }), bootstrapInstance({ config, repos: b, clock: systemClock })]);
      expect(y.adminTokenHash).toBe(x.adminTokenHash);
      expect(y.conversationTokenSecret).toBe(x.conversationTokenSecret);
      expect(y.sessionKeySecret).toBe(x.sessionKeySecret);
      expect(y.defaultProduct).toEqual(x.defaultProduct);
      expect(y.demoProduct).toEqual(x.demoProduct);
      // What is stored is what both hold in memory.
      expect(await a.products.findById(config.PRODUCT_ID)).toEqual(x.defaultProduct);
      // Each generated value is printed once, by the instance whose value was kept.
      const printed = [...x.generated, ...y.generated].map((g) => g.key).sort();
      expect(printed).toEqual(["ADMIN_TOKEN", "IDENTITY_SECRET", "POSTHOG_SECRET", "PRODUCT_KEY", "PUSH_SECRET", "STREAM_TOKEN"]);
      const productKey = [...x.generated, ...y.generated].find((g) => g.key === "PRODUCT_KEY")!.value;
      expect(productKey).toBe(x.defaultProduct.productKey);
      await instances!.close();
      instances = undefined;
    }
  });

  it("holds sessions out by one holdout salt, whichever instance assigns them first", async () => {
    const [a, b] = await twoInstances();
    const instance = await bootstrapInstance({ config, repos: a, clock: systemClock });
    const productId = instance.defaultProduct.id;
    const now = Date.now();
    const settings = { pct: 50, unit: "session" as const };
    const sessions: { id: number; productId: string; sessionKey: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const key = `race-${i}`;
      sessions.push({ id: await a.sessions.touch({ productId, sessionKey: key, userId: null, email: null, now }), productId, sessionKey: key });
    }
    // No salt yet: each instance assigns its half of the sessions, and both make the salt at once.
    const answered = await Promise.all(
      [a, b].map(async (store, which) => {
        const out: [number, boolean][] = [];
        const holdout = createHoldoutDraw(settings);
        for (const s of sessions.filter((_, i) => i % 2 === which)) {
          const drawn = await holdout.draw(store, s, { kind: "session", id: s.sessionKey }, now);
          await store.write(async (tx) => drawn.store?.(tx));
          out.push([s.id, drawn.holdout]);
        }
        return out;
      }),
    );
    const salt = (await a.settings.get("holdout_salt"))!;
    for (const s of sessions) {
      const expected = holdoutBucket(salt, productId, "session", s.sessionKey) < 5000;
      expect((await a.attempts.assignmentOf(s.id))?.holdout, s.sessionKey).toBe(expected);
    }
    for (const [id, holdout] of answered.flat()) expect(holdout).toBe((await b.attempts.assignmentOf(id))?.holdout);
  });
});

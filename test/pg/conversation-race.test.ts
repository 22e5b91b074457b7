/**
 * Two instances (two pools on one PostgreSQL schema) linking the same verified user's session at once — a
 * suggestion delivered on one while the user's first message arrives on the other. One conversation must
 * come out: the loser's freshly made conversation, left behind, would be that user's "latest conversation"
 * and pull their next device into an empty thread.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Store } from "../../db/store.js";
import { systemClock } from "../../server/clock.js";
import { createConversationMapping } from "../../server/sessions/conversation-mapping.js";
import { adminQuery, openTwoInstances, type TwoInstances } from "./pg-helpers.js";

let instances: TwoInstances | undefined;
afterEach(async () => {
  await instances?.close();
  instances = undefined;
});

describe("linking one session from two instances at once on PostgreSQL", () => {
  it("leaves one conversation for the user, the one both instances hold", async () => {
    instances = await openTwoInstances(4);
    const [a, b] = instances.stores;
    const mapping = (repos: Store) => createConversationMapping({ repos, clock: systemClock, tokenSecret: "t".repeat(32), onLinked: () => {} });
    const [ma, mb] = [mapping(a), mapping(b)];
    const productId = "race";
    const now = Date.now();
    await a.products.insertIfAbsent({
      id: productId, name: "Race", pushSecret: "p".repeat(32), streamTokenHash: "0".repeat(64), productKey: "pk_race",
      identitySecret: null, posthogSecret: "h".repeat(32), allowedOrigins: [], createdAt: now, updatedAt: now,
    });
    const count = async (): Promise<number> =>
      Number((await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM ${instances!.schema.schema}.conversations`))[0]!.n);
    for (let round = 0; round < 20; round++) {
      const userId = `user-${round}`;
      const sessionRef = await a.sessions.touch({ productId, sessionKey: `s-${round}`, userId, email: null, now: Date.now() });
      expect(await a.sessions.setOwner(sessionRef, userId)).toBe(true);
      const [x, y] = await Promise.all([ma.ensure(productId, sessionRef), mb.ensure(productId, sessionRef)]);
      expect(y.conversation.id).toBe(x.conversation.id);
      const owned = await a.conversations.latestForUser(productId, userId);
      expect(owned?.id).toBe(x.conversation.id);
      // One conversation per round: the loser's was discarded.
      expect(await count()).toBe(round + 1);
    }
  });
});

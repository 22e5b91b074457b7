import { describe, expect, it } from "vitest";
import { createMemoryRateLimitStore } from "../../server/limits/rate-limit-store.js";
import { createManualClock } from "../helpers/clock.js";

describe("the in-process rate-limit store", () => {
  it("counts per key in fixed windows and starts a new window once one has ended", async () => {
    const clock = createManualClock(1_000_000);
    const store = createMemoryRateLimitStore({ windowMs: 60_000, maxKeys: 10, now: clock.now });
    expect(await store.hit("a")).toEqual({ count: 1, resetAt: 1_060_000 });
    expect(await store.hit("a")).toEqual({ count: 2, resetAt: 1_060_000 });
    expect((await store.hit("b")).count).toBe(1);
    clock.advance(60_000);
    expect(await store.hit("a")).toEqual({ count: 1, resetAt: 1_120_000 });
  });

  it("holds at most maxKeys keys, forgetting the least recently used first", async () => {
    const clock = createManualClock();
    const store = createMemoryRateLimitStore({ windowMs: 60_000, maxKeys: 3, now: clock.now });
    for (const key of ["a", "b", "c"]) await store.hit(key);
    await store.hit("a"); // a is now the most recent
    await store.hit("d"); // b goes
    expect(store.size()).toBe(3);
    expect((await store.hit("a")).count).toBe(3);
    expect((await store.hit("b")).count).toBe(1);
    for (let i = 0; i < 1000; i++) await store.hit(`flood-${i}`);
    expect(store.size()).toBe(3);
  });

  it("drops expired keys as it goes, without a timer", async () => {
    const clock = createManualClock();
    const store = createMemoryRateLimitStore({ windowMs: 1_000, maxKeys: 100, now: clock.now });
    for (let i = 0; i < 10; i++) await store.hit(`old-${i}`);
    clock.advance(1_000);
    for (let i = 0; i < 5; i++) await store.hit("new");
    expect(store.size()).toBe(1);
  });
});

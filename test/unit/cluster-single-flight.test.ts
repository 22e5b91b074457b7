/**
 * Single flight across instances, with the in-process lock standing in for Redis (the same KeyedLock
 * contract, test/contract/coordination.contract.ts): two schedulers sharing one lock hub are two instances
 * scheduling the same session; the lock helpers keep a lock alive and wait for a busy key.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../server/clock.js";
import { acquireWaiting, holdWhileRunning } from "../../server/cluster/lock-holding.js";
import { createMemoryLock, createMemoryLockHub } from "../../server/cluster/memory-lock.js";
import { createSilentLogger } from "../../server/logger.js";
import { createScheduler, LOCK_LOST, SUPERSEDED, type RunFn, type Scheduler } from "../../server/suggest/scheduler.js";
import { withTimeout } from "../helpers/wait.js";

/** A run that stays in flight until released, counting how many runs are in flight at once. */
function gatedRuns() {
  let running = 0;
  let maxRunning = 0;
  const log: { instance: string; trigger: string; aborted: boolean }[] = [];
  const gates: (() => void)[] = [];
  const started: (() => void)[] = [];
  const runFor = (instance: string): RunFn => async (_sessionRef, signal, trigger) => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    for (const s of started.splice(0)) s();
    try {
      await new Promise<void>((resolve) => {
        gates.push(resolve);
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
    } finally {
      log.push({ instance, trigger, aborted: signal.aborted });
      running--;
    }
  };
  return {
    runFor,
    log,
    max: () => maxRunning,
    running: () => running,
    /** Resolves once a run is in flight (at once if one is). */
    aRunStarted: () => (running > 0 ? Promise.resolve() : new Promise<void>((resolve) => started.push(resolve))),
    releaseAll: () => {
      for (const g of gates.splice(0)) g();
    },
  };
}

const schedulers: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.close()));
});

function instance(run: RunFn, locks: ReturnType<typeof createMemoryLock>, debounceMs = 5, ttlMs = 5_000): Scheduler {
  const s = createScheduler({
    debounceMs,
    maxWaitMs: 10_000,
    evaluationsPerMinute: 1_000,
    clock: systemClock,
    logger: createSilentLogger(),
    run,
    exclusive: { locks, ttlMs, retryMs: 10 },
  });
  schedulers.push(s);
  return s;
}

async function until(check: () => boolean, what: string): Promise<void> {
  await withTimeout(
    (async () => {
      while (!check()) await sleep(5);
    })(),
    what,
  );
}

describe("one evaluation in flight per session across instances", () => {
  it("an instance that finds the session busy elsewhere evaluates after the holder, never beside it", async () => {
    const hub = createMemoryLockHub();
    const runs = gatedRuns();
    const a = instance(runs.runFor("a"), createMemoryLock(hub));
    const b = instance(runs.runFor("b"), createMemoryLock(hub));
    a.notify(1);
    await runs.aRunStarted();
    b.notify(1);
    // B's debounce fires, finds the lock taken and re-schedules; it must not run while A's run is in flight.
    await sleep(60);
    expect(runs.running()).toBe(1);
    expect(runs.log).toEqual([]);
    runs.releaseAll();
    await until(() => runs.log.length === 2 || (runs.running() === 1 && runs.log.length === 1), "b's run after a's");
    runs.releaseAll();
    await until(() => runs.log.length === 2, "both runs done");
    expect(runs.log.map((l) => l.instance)).toEqual(["a", "b"]);
    expect(runs.max()).toBe(1);
    expect(hub.locks.size).toBe(0);
  });

  it("a superseding run on the same instance starts only once the superseded one has settled", async () => {
    const hub = createMemoryLockHub();
    const order: string[] = [];
    let n = 0;
    const run: RunFn = async (_ref, signal) => {
      const me = ++n;
      order.push(`start ${me}`);
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => setTimeout(resolve, 20), { once: true }));
      order.push(`end ${me} ${String(signal.reason)}`);
    };
    const a = instance(run, createMemoryLock(hub));
    void a.runNow(3);
    await until(() => order.length === 1, "first run");
    const second = a.runNow(3);
    await until(() => order.length === 3, "second run started");
    expect(order).toEqual(["start 1", `end 1 ${SUPERSEDED}`, "start 2"]);
    await a.close();
    await second;
  });

  it("a crashed holder blocks the session only until its lock's TTL runs out", async () => {
    const hub = createMemoryLockHub();
    const locks = createMemoryLock(hub);
    // A holder that never releases (its process died): the key expires after 150 ms.
    expect(await locks.acquire("eval:9", 150)).not.toBeNull();
    const runs = gatedRuns();
    const b = instance(runs.runFor("b"), createMemoryLock(hub));
    b.notify(9);
    await runs.aRunStarted();
    runs.releaseAll();
    await until(() => runs.log.length === 1, "b evaluated after the expiry");
    expect(runs.log[0]!.instance).toBe("b");
  });

  it("an evaluation whose lock was lost (not extended in time) is aborted: another instance may have taken over", async () => {
    const hub = createMemoryLockHub();
    let reason: unknown;
    const run: RunFn = (_ref, signal) =>
      new Promise<void>((resolve) =>
        signal.addEventListener("abort", () => {
          reason = signal.reason;
          resolve();
        }, { once: true }),
      );
    const a = instance(run, createMemoryLock(hub), 5, 90);
    void a.runNow(5);
    await until(() => hub.locks.has("eval:5"), "the evaluation's lock");
    // As if Redis lost the key (or another instance took it after an expiry): the next extension fails.
    hub.locks.delete("eval:5");
    await until(() => reason !== undefined, "the abort");
    expect(reason).toBe(LOCK_LOST);
  });
});

describe("lock helpers", () => {
  it("holdWhileRunning keeps a short lock past its TTL until released", async () => {
    const locks = createMemoryLock(createMemoryLockHub());
    const lock = (await locks.acquire("reply:c1", 60))!;
    const release = holdWhileRunning(lock, 60);
    await sleep(200);
    expect(await locks.acquire("reply:c1", 60)).toBeNull();
    await release();
    expect(await locks.acquire("reply:c1", 60)).not.toBeNull();
  });

  it("acquireWaiting takes a busy key once its holder releases it", async () => {
    const locks = createMemoryLock(createMemoryLockHub());
    const held = (await locks.acquire("reply:c2", 5_000))!;
    const waiting = acquireWaiting(locks, "reply:c2", { ttlMs: 5_000, maxWaitMs: 10_000, firstPollMs: 5, maxPollMs: 20 });
    await sleep(30);
    await held.release();
    const got = await waiting;
    expect(got).not.toBeNull();
    expect(await locks.acquire("reply:c2", 5_000)).toBeNull();
  });

  it("acquireWaiting answers null after its bound while the key stays taken", async () => {
    const locks = createMemoryLock(createMemoryLockHub());
    await locks.acquire("reply:c3", 60_000);
    expect(await acquireWaiting(locks, "reply:c3", { ttlMs: 1_000, maxWaitMs: 50, firstPollMs: 5 })).toBeNull();
  });
});

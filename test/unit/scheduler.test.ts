import v8 from "node:v8";
import vm from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../server/clock.js";
import { createSilentLogger } from "../../server/logger.js";
import { CLOSING, createScheduler, SUPERSEDED, type RunFn, type Scheduler, type Trigger } from "../../server/suggest/scheduler.js";
import { withTimeout } from "../helpers/wait.js";

interface Call {
  sessionRef: number;
  trigger: Trigger;
  signal: AbortSignal;
}

/** A run function that records calls and lets a test await the n-th one. */
function recorder(behaviour: (call: Call) => Promise<{ recheckAt?: number } | void> = async () => {}) {
  const calls: Call[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const run: RunFn = (sessionRef, signal, trigger) => {
    const call = { sessionRef, trigger, signal };
    calls.push(call);
    for (const w of [...waiters]) if (calls.length >= w.n) w.resolve();
    return behaviour(call);
  };
  const nth = (n: number) =>
    withTimeout(calls.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })), `run #${n}`).then(() => calls[n - 1]!);
  return { calls, run, nth };
}

/** A full garbage collection, now (the flag makes `gc` available to contexts created after it is set). */
function collectGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

let scheduler: Scheduler | undefined;
afterEach(async () => {
  await scheduler?.close();
});
const make = (run: RunFn, debounceMs: number, maxWaitMs: number) =>
  (scheduler = createScheduler({ debounceMs, maxWaitMs, evaluationsPerMinute: 1_000, clock: systemClock, logger: createSilentLogger(), run }));

describe("scheduler", () => {
  it("coalesces a burst into one trailing evaluation per session", async () => {
    const r = recorder();
    const s = make(r.run, 50, 5_000);
    for (let i = 0; i < 20; i++) s.notify(1);
    s.notify(2);
    const first = await r.nth(2);
    expect(r.calls.map((c) => [c.sessionRef, c.trigger]).sort()).toEqual([[1, "activity"], [2, "activity"]]);
    expect(first.trigger).toBe("activity");
  });

  it("with no debounce, evaluates once the code that announced the activity has finished, before any timer could fire", async () => {
    const r = recorder();
    const s = make(r.run, 0, 0);
    s.notify(5);
    expect(r.calls).toHaveLength(0); // not inside the announcement itself
    await Promise.resolve(); // one microtask checkpoint; a 0 ms timer waits for the next loop turn and at least 1 ms
    expect(r.calls.map((c) => [c.sessionRef, c.trigger])).toEqual([[5, "activity"]]);
  });

  it("with no debounce, activity announced together makes one evaluation per session", async () => {
    const r = recorder((call) => new Promise<void>((resolve) => call.signal.addEventListener("abort", () => resolve())));
    const s = make(r.run, 0, 0);
    for (let i = 0; i < 20; i++) s.notify(1);
    s.notify(2);
    s.notify(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.calls.map((c) => c.sessionRef)).toEqual([1, 2]);
    expect(r.calls.some((c) => c.signal.aborted)).toBe(false);
    // Later activity is new work: it supersedes the evaluation in flight, as after a debounce.
    s.notify(1);
    await r.nth(3);
    expect(r.calls[0]!.signal.reason).toBe(SUPERSEDED);
  });

  it("still evaluates a steady stream once the maximum wait has passed", async () => {
    const r = recorder();
    const s = make(r.run, 10_000, 100);
    const feeding = setInterval(() => s.notify(7), 10);
    try {
      const call = await r.nth(1);
      expect(call.trigger).toBe("max_wait");
    } finally {
      clearInterval(feeding);
    }
  });

  it("supersedes an in-flight evaluation: the old signal aborts with 'superseded'", async () => {
    const r = recorder((call) => new Promise<void>((resolve) => call.signal.addEventListener("abort", () => resolve())));
    const s = make(r.run, 10, 1_000);
    void s.runNow(3);
    const first = await r.nth(1);
    void s.runNow(3);
    await r.nth(2);
    expect(first.signal.aborted).toBe(true);
    expect(first.signal.reason).toBe(SUPERSEDED);
    expect(r.calls[1]!.signal.aborted).toBe(false);
    expect(s.stats().inFlight).toBe(1);
  });

  it("re-evaluates at the time an evaluation asks for, without new activity", async () => {
    let asked = false;
    const r = recorder(async () => {
      if (asked) return;
      asked = true;
      return { recheckAt: Date.now() + 30 };
    });
    const s = make(r.run, 10, 1_000);
    s.notify(4);
    expect((await r.nth(2)).trigger).toBe("recheck");
  });

  it("a session waiting for its re-check does not keep its finished evaluation's signal alive", async () => {
    // Every session that goes quiet waits ~45 s for its dwell re-check: what that wait holds, it holds for each.
    const signals: WeakRef<AbortSignal>[] = [];
    let finished = 0;
    const s = make(async (_ref, signal) => {
      signals.push(new WeakRef(signal));
      finished++;
      return { recheckAt: Date.now() + 60_000 };
    }, 0, 0);
    for (let ref = 1; ref <= 20; ref++) s.notify(ref);
    await withTimeout(
      (async () => {
        while (finished < 20) await new Promise((resolve) => setImmediate(resolve));
      })(),
      "20 evaluations",
    );
    expect(s.stats()).toEqual({ sessions: 20, inFlight: 0 }); // all twenty wait for their re-checks
    await new Promise((resolve) => setImmediate(resolve)); // a WeakRef holds its target until the job that made it ends
    collectGarbage();
    expect(signals.filter((w) => w.deref() !== undefined)).toHaveLength(0);
  });

  it("new activity replaces a pending re-check", async () => {
    const r = recorder(async (call) => (call.trigger === "activity" && r.calls.length === 1 ? { recheckAt: Date.now() + 60_000 } : undefined));
    const s = make(r.run, 10, 1_000);
    s.notify(5);
    await r.nth(1);
    s.notify(5);
    expect((await r.nth(2)).trigger).toBe("activity");
  });

  it("close() stops timers and aborts what is running with 'closing'", async () => {
    const r = recorder((call) => new Promise<void>((resolve) => call.signal.addEventListener("abort", () => resolve())));
    const s = make(r.run, 10, 1_000);
    void s.runNow(6);
    const running = await r.nth(1);
    s.notify(8);
    await s.close();
    expect(running.signal.reason).toBe(CLOSING);
    s.notify(9);
    expect(s.stats()).toEqual({ sessions: 0, inFlight: 0 });
    expect(r.calls).toHaveLength(1);
  });
});

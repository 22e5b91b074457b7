/**
 * When to evaluate a session (ARCHITECTURE.md step 3): a trailing debounce coalesces a burst of activity,
 * a maximum wait makes sure a steady stream is still evaluated, at most one evaluation (and so one model
 * call) is in flight per session, and a newer evaluation supersedes an in-flight one by aborting it.
 * An evaluation may ask to be re-run at a wall-clock time (dwell), which a timer does without new activity.
 *
 * Nothing a client sends can make a session spin: every delay goes through startTimer (clamped to what Node
 * can wait), and each session gets at most `evaluationsPerMinute` evaluations; past that, the next one waits
 * for the next minute and `onBudgetExceeded` hears it once per minute.
 *
 * All timers are unref'd so they never keep the process alive; `close()` stops them and aborts what runs.
 *
 * Several instances (server mode): each schedules the sessions whose activity it received, so one session's
 * burst spread over instances is scheduled on each. `exclusive` makes "one evaluation in flight per session"
 * hold across them: a run takes the KeyedLock `eval:<session>` first (kept alive while it runs); a run that
 * finds it taken evaluates nothing and tries again after `retryMs` (the holder may have read the session
 * before this instance's latest activity committed). A superseded run on this instance is awaited before the
 * next takes the lock, so even the abort never overlaps two model calls. Without `exclusive` (one process)
 * nothing of this runs: the scheduler's own single flight is the whole story.
 */
import type { Clock } from "../clock.js";
import { createWindowCounter } from "../limits/rate-limit-store.js";
import type { Logger } from "../logger.js";
import type { KeyedLock } from "../cluster/keyed-lock.js";
import { holdWhileRunning } from "../cluster/lock-holding.js";
import { startTimer } from "../timers.js";

export type Trigger = "activity" | "max_wait" | "recheck" | "manual";

export interface RunResult {
  /** Wall-clock ms at which to evaluate again if nothing else happens first. */
  recheckAt?: number;
}

export type RunFn = (sessionRef: number, signal: AbortSignal, trigger: Trigger) => Promise<RunResult | void>;

interface Entry {
  debounce?: NodeJS.Timeout;
  maxWait?: NodeJS.Timeout;
  /** A dwell re-check, or an evaluation waiting for the budget's next minute. */
  recheck?: NodeJS.Timeout;
  inFlight?: { controller: AbortController; done: Promise<void> };
  /** The end of the budget window already reported as exceeded. */
  overBudgetUntil?: number;
}

export interface SchedulerOptions {
  debounceMs: number;
  maxWaitMs: number;
  clock: Clock;
  logger: Logger;
  run: RunFn;
  /** SUGGEST_EVALUATIONS_PER_MIN: evaluations one session may start per minute (manual runs aside). */
  evaluationsPerMinute: number;
  /** Told (once per minute and session) that an evaluation waits for the budget. */
  onBudgetExceeded?: (sessionRef: number, trigger: Trigger) => void;
  /** Cluster-wide single flight (server mode); absent in one process. */
  exclusive?: ExclusiveOptions;
}

export interface ExclusiveOptions {
  locks: KeyedLock;
  /** The lock's TTL: how long a crashed instance can block a session's evaluations. */
  ttlMs: number;
  /** How long a run that found the session busy elsewhere waits before trying again. */
  retryMs: number;
}

const BUDGET_WINDOW_MS = 60_000;
/** Sessions whose budget is tracked at once; one forgotten starts a fresh minute (errs towards evaluating). */
const BUDGET_MAX_SESSIONS = 100_000;

/** Why an in-flight evaluation was aborted. */
export const SUPERSEDED = "superseded";
export const CLOSING = "closing";
export const LOCK_LOST = "lock_lost";

export function createScheduler(o: SchedulerOptions) {
  const entries = new Map<number, Entry>();
  const budget = createWindowCounter({ windowMs: BUDGET_WINDOW_MS, maxKeys: BUDGET_MAX_SESSIONS, now: o.clock.now });
  let closed = false;

  const timer = (ms: number, fn: () => void) => startTimer(fn, ms);

  /**
   * With no debounce, sessions with new activity wait only for the code that announced it to finish: a timer
   * of 0 ms waits at least 1 ms and a loop turn (the largest share of ingest → suggestion at light load on the
   * realtime bench), and a burst announced together still makes one evaluation per session.
   */
  const due = new Set<number>();
  function fireDue(): void {
    const sessions = [...due];
    due.clear();
    if (closed) return;
    for (const sessionRef of sessions) void fire(sessionRef, "activity");
  }

  /** Holds the evaluation back until the session's next budget window when this one is used up. */
  function overBudget(sessionRef: number, e: Entry, trigger: Trigger): boolean {
    if (trigger === "manual") return false;
    const { count, resetAt } = budget.hit(String(sessionRef));
    if (count <= o.evaluationsPerMinute) return false;
    later(sessionRef, e, resetAt - o.clock.now(), trigger);
    if (e.overBudgetUntil !== resetAt) {
      e.overBudgetUntil = resetAt;
      o.onBudgetExceeded?.(sessionRef, trigger);
    }
    return true;
  }

  /**
   * Runs the session again after `delayMs` (a dwell re-check, the budget's next minute, a lock busy elsewhere).
   * Made here, not where the evaluation ran: a timer made inside the run would keep the run's whole scope —
   * its AbortController, the run it superseded — alive while the session waits, ~45 s by default for every
   * session that went quiet.
   */
  function later(sessionRef: number, e: Entry, delayMs: number, trigger: Trigger, budgeted = true): void {
    e.recheck = timer(delayMs, () => {
      e.recheck = undefined;
      void fire(sessionRef, trigger, budgeted);
    });
  }

  function entry(sessionRef: number): Entry {
    let e = entries.get(sessionRef);
    if (!e) entries.set(sessionRef, (e = {}));
    return e;
  }

  function forgetIfIdle(sessionRef: number, e: Entry): void {
    if (!e.debounce && !e.maxWait && !e.recheck && !e.inFlight) entries.delete(sessionRef);
  }

  /** Takes the session's cluster-wide lock: a release function, null when another instance holds it. */
  async function takeExclusive(sessionRef: number, x: ExclusiveOptions, controller: AbortController): Promise<(() => Promise<void>) | null> {
    try {
      const lock = await x.locks.acquire(`eval:${sessionRef}`, x.ttlMs);
      // Lost (not extended in time, say while Redis was away): another instance may evaluate now; this one stops.
      return lock && holdWhileRunning(lock, x.ttlMs, () => controller.abort(LOCK_LOST));
    } catch (err) {
      // The lock's backend is down: evaluating (and maybe overlapping another instance) beats never suggesting.
      o.logger.warn({ err, sessionRef }, "evaluation lock unavailable; evaluating without it");
      return async () => undefined;
    }
  }

  /** Starts an evaluation now, superseding one in flight (`budgeted`: counts against the session's budget). */
  function fire(sessionRef: number, trigger: Trigger, budgeted = true): Promise<void> {
    const e = entry(sessionRef);
    clearTimeout(e.debounce);
    clearTimeout(e.maxWait);
    clearTimeout(e.recheck);
    e.debounce = e.maxWait = e.recheck = undefined;
    // Whatever runs now goes on; the held-back evaluation runs when the budget allows.
    if (budgeted && overBudget(sessionRef, e, trigger)) return e.inFlight?.done ?? Promise.resolve();
    const previous = e.inFlight;
    previous?.controller.abort(SUPERSEDED);

    const controller = new AbortController();
    const done = (async () => {
      let result: RunResult | void = undefined;
      let busyElsewhere = false;
      let release: (() => Promise<void>) | null = null;
      try {
        if (o.exclusive) {
          // The superseded run still holds the lock (and maybe a model call) until it has settled.
          await previous?.done;
          if (!controller.signal.aborted && !closed) {
            release = await takeExclusive(sessionRef, o.exclusive, controller);
            busyElsewhere = release === null;
          }
        }
        if (!busyElsewhere && !controller.signal.aborted) result = await o.run(sessionRef, controller.signal, trigger);
      } catch (err) {
        if (!controller.signal.aborted) o.logger.error({ err, sessionRef }, "suggestion evaluation failed");
      } finally {
        await release?.();
      }
      if (e.inFlight?.controller !== controller) return; // superseded: the newer run owns the entry
      e.inFlight = undefined;
      if (busyElsewhere && !closed && !e.debounce && !e.recheck) {
        // Not counted again: the budget is about evaluations started, and this one has not run.
        later(sessionRef, e, o.exclusive!.retryMs, trigger, false);
        return;
      }
      // New activity already pending will re-evaluate anyway, and set its own recheck; so will an
      // evaluation waiting for the budget.
      if (!closed && result?.recheckAt !== undefined && !e.debounce && !e.recheck) {
        later(sessionRef, e, result.recheckAt - o.clock.now(), "recheck");
      }
      forgetIfIdle(sessionRef, e);
    })();
    e.inFlight = { controller, done };
    return done;
  }

  return {
    /** New activity for a session: (re)start the debounce, and the maximum wait if none is running. */
    notify(sessionRef: number): void {
      if (closed) return;
      const e = entry(sessionRef);
      clearTimeout(e.recheck);
      e.recheck = undefined;
      if (o.debounceMs <= 0) {
        if (due.size === 0) queueMicrotask(fireDue);
        due.add(sessionRef);
        return;
      }
      // Restarting the pending debounce reuses its timer: a busy session's every ingest lands here.
      if (e.debounce) e.debounce.refresh();
      else e.debounce = timer(o.debounceMs, () => void fire(sessionRef, "activity"));
      e.maxWait ??= timer(o.maxWaitMs, () => void fire(sessionRef, "max_wait"));
    },

    /** Evaluates now, bypassing the debounce; resolves when that evaluation has finished. */
    runNow(sessionRef: number): Promise<void> {
      return closed ? Promise.resolve() : fire(sessionRef, "manual");
    },

    stats(): { sessions: number; inFlight: number } {
      let inFlight = 0;
      for (const e of entries.values()) if (e.inFlight) inFlight++;
      return { sessions: entries.size, inFlight };
    },

    /** Stops every timer and aborts in-flight evaluations; resolves once they have settled. */
    async close(): Promise<void> {
      closed = true;
      const running: Promise<void>[] = [];
      for (const e of entries.values()) {
        clearTimeout(e.debounce);
        clearTimeout(e.maxWait);
        clearTimeout(e.recheck);
        if (e.inFlight) {
          e.inFlight.controller.abort(CLOSING);
          running.push(e.inFlight.done);
        }
      }
      await Promise.allSettled(running);
      entries.clear();
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;

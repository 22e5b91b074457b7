/**
 * Using a KeyedLock for work of unknown length: keep a held lock alive while the work runs, and wait for a
 * busy key with a bounded, growing poll. The lock's TTL stays short (a crashed holder blocks the key briefly);
 * a live holder extends it every third of the TTL.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { HeldLock, KeyedLock } from "./keyed-lock.js";

/**
 * Extends `lock` every `ttlMs / 3` until the returned function is called (which also releases it). The
 * release is best effort: a failure (Redis gone) leaves the key to expire after its TTL.
 */
export function holdWhileRunning(lock: HeldLock, ttlMs: number, onLost?: () => void): () => Promise<void> {
  let done = false;
  const timer = setInterval(() => {
    lock.extend(ttlMs).then(
      (ours) => {
        if (!ours && !done) onLost?.();
      },
      () => undefined, // a failed extension is retried on the next tick; the TTL covers a short outage
    );
  }, Math.max(1, Math.floor(ttlMs / 3)));
  timer.unref();
  return async () => {
    if (done) return;
    done = true;
    clearInterval(timer);
    await lock.release().catch(() => false);
  };
}

export interface WaitOptions {
  ttlMs: number;
  /** The longest this waits for the key before answering null. */
  maxWaitMs: number;
  /** First poll interval; doubles up to `maxPollMs`. */
  firstPollMs?: number;
  maxPollMs?: number;
  signal?: AbortSignal;
}

/** Takes `key`, polling with backoff while another holder has it; null after `maxWaitMs` or an abort. */
export async function acquireWaiting(locks: KeyedLock, key: string, o: WaitOptions): Promise<HeldLock | null> {
  const deadline = performance.now() + o.maxWaitMs;
  let poll = o.firstPollMs ?? 10;
  const maxPoll = o.maxPollMs ?? 500;
  for (;;) {
    const lock = await locks.acquire(key, o.ttlMs);
    if (lock) return lock;
    const left = deadline - performance.now();
    if (left <= 0 || o.signal?.aborted) return null;
    try {
      await sleep(Math.min(poll, left), undefined, o.signal ? { signal: o.signal } : undefined);
    } catch {
      return null; // aborted while waiting
    }
    poll = Math.min(maxPoll, poll * 2);
  }
}

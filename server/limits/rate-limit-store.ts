/**
 * Where rate-limit counters live. One small interface, so a shared store (Redis, for several instances)
 * can replace the in-process one without touching the limiters.
 *
 * The in-process store counts hits in fixed windows and holds at most `maxKeys` keys: when full, the key
 * used least recently goes first (a Map keeps insertion order; a hit moves its key to the end). Whatever
 * the number of distinct clients, its memory stays bounded. An evicted key starts a fresh window, which
 * only ever errs on the side of letting a request through.
 */

export interface Hit {
  /** Hits of this key in its current window, this one included. */
  count: number;
  /** Wall-clock ms at which the window ends. */
  resetAt: number;
}

export interface RateLimitStore {
  /** Counts one hit for `key`. */
  hit(key: string): Promise<Hit>;
  /** Takes one hit back (a request the limiter should not have counted). */
  undo(key: string): Promise<void>;
  /** Keys held now (for /metrics). */
  size(): number;
  close(): void;
}

export interface FixedWindowOptions {
  windowMs: number;
  maxKeys: number;
  now: () => number;
}

interface Counter {
  count: number;
  resetAt: number;
}

/** How many expired keys at the old end are dropped per hit: expired entries drain without a timer. */
const SWEEP_PER_HIT = 2;

/** Fixed-window hit counts per key, in process, synchronous: the core of the in-process store. */
export interface WindowCounter {
  hit(key: string): Hit;
  undo(key: string): void;
  size(): number;
  clear(): void;
}

export function createWindowCounter(o: FixedWindowOptions): WindowCounter {
  const counters = new Map<string, Counter>();

  function sweep(now: number): void {
    let n = 0;
    for (const [key, c] of counters) {
      if (n++ >= SWEEP_PER_HIT || c.resetAt > now) break;
      counters.delete(key);
    }
  }

  return {
    hit(key) {
      const now = o.now();
      sweep(now);
      let c = counters.get(key);
      if (c) counters.delete(key);
      if (!c || c.resetAt <= now) c = { count: 0, resetAt: now + o.windowMs };
      while (counters.size >= o.maxKeys) {
        const oldest = counters.keys().next().value as string;
        counters.delete(oldest);
      }
      c.count++;
      counters.set(key, c);
      return { count: c.count, resetAt: c.resetAt };
    },
    undo(key) {
      const c = counters.get(key);
      if (c && c.count > 0) c.count--;
    },
    size: () => counters.size,
    clear: () => counters.clear(),
  };
}

export function createMemoryRateLimitStore(o: FixedWindowOptions): RateLimitStore {
  const counter = createWindowCounter(o);
  return {
    hit: (key) => Promise.resolve(counter.hit(key)),
    undo(key) {
      counter.undo(key);
      return Promise.resolve();
    },
    size: counter.size,
    close: counter.clear,
  };
}

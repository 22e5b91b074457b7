/**
 * Coordination: what several instances of one deployment share besides the database — notifications (Bus),
 * leadership (LeaderLease), single flight (KeyedLock), rate-limit counters and the Socket.IO room fan-out.
 * One field of AppDeps. In process by default (one instance, nothing to install); over Redis when REDIS_URL
 * is set (see createCoordination).
 */
import type { RateLimitStore } from "../limits/rate-limit-store.js";
import type { Bus } from "./bus.js";
import type { KeyedLock } from "./keyed-lock.js";
import type { LeaderLease } from "./leader-lease.js";

/** Socket.IO's `io.adapter(...)`, without importing Socket.IO's types into the port. */
export interface AdapterTarget {
  adapter(adapter: never): unknown;
}

export interface RateLimitStoreOptions {
  /** The limiter's name: its counters are apart from every other limiter's. */
  name: string;
  windowMs: number;
  /** Keys an in-process store holds at most (RATE_LIMIT_MAX_KEYS). */
  maxKeys: number;
  now: () => number;
}

export interface Coordination {
  readonly mode: "memory" | "redis";
  /** INSTANCE_ID (default hostname-pid): names this instance in leases and logs. */
  readonly instanceId: string;
  readonly bus: Bus;
  readonly leases: LeaderLease;
  readonly locks: KeyedLock;
  rateLimitStore(options: RateLimitStoreOptions): RateLimitStore;
  /** Makes room emits reach sockets on every instance (nothing to do in process). */
  attachSocketAdapter(io: AdapterTarget): void;
  /** For /readyz: whether the shared backend answers. */
  health(): { ok: true; mode: string } | { ok: false; reason: string };
  /** Resolves once the backend answered (start-up fails early on a wrong REDIS_URL). */
  ready(): Promise<void>;
  /** After the app closed: ends subscriptions and connections. */
  close(): Promise<void>;
}

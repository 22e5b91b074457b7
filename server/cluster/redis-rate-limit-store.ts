/**
 * Rate-limit counters in Redis, shared by every instance: fixed windows, one INCR+PEXPIRE script per hit.
 * Callers validate what they key on before calling (as for the in-process store); the store bounds the key
 * itself (a long one is hashed) and every counter expires with its window, so Redis memory stays bounded
 * by the traffic of one window. When Redis does not answer, the request is let through and a warning is
 * logged (at most once a minute): a limiter must never turn an outage of Redis into refused traffic or 500s.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { Hit, RateLimitStore } from "../limits/rate-limit-store.js";
import type { Logger } from "../logger.js";
import { HIT_WINDOW, UNDO_HIT } from "./redis-scripts.js";

const MAX_KEY_CHARS = 200;
const WARN_EVERY_MS = 60_000;

export interface RedisRateLimitOptions {
  name: string;
  windowMs: number;
  now: () => number;
  prefix: string;
  logger: Logger;
}

export function createRedisRateLimitStore(redis: Redis, o: RedisRateLimitOptions): RateLimitStore {
  let warnedAt = Number.NEGATIVE_INFINITY;
  const redisKey = (key: string) =>
    `${o.prefix}rl:${o.name}:${key.length > MAX_KEY_CHARS ? `#${createHash("sha256").update(key).digest("base64url")}` : key}`;
  const failedOpen = (err: unknown): void => {
    const t = performance.now();
    if (t - warnedAt < WARN_EVERY_MS) return;
    warnedAt = t;
    o.logger.warn({ err, limiter: o.name }, "rate limit counters unavailable in Redis; letting requests through");
  };

  return {
    async hit(key): Promise<Hit> {
      try {
        const [count, ttl] = (await redis.eval(HIT_WINDOW, 1, redisKey(key), o.windowMs)) as [number, number];
        return { count: Number(count), resetAt: o.now() + Number(ttl) };
      } catch (err) {
        failedOpen(err);
        return { count: 1, resetAt: o.now() + o.windowMs };
      }
    },
    async undo(key) {
      try {
        await redis.eval(UNDO_HIT, 1, redisKey(key));
      } catch (err) {
        failedOpen(err);
      }
    },
    // The keys live in Redis, each expiring with its window: this process holds none.
    size: () => 0,
    close: () => undefined,
  };
}

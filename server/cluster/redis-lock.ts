/** KeyedLock over Redis: SET NX PX with a random owner; release and extend compare the owner in one script. */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { checkLockKey, type HeldLock, type KeyedLock } from "./keyed-lock.js";
import { DELETE_IF_OWNER, RENEW_IF_OWNER } from "./redis-scripts.js";

export function createRedisLock(redis: Redis, prefix: string): KeyedLock {
  return {
    async acquire(key, ttlMs) {
      checkLockKey(key, ttlMs);
      const redisKey = `${prefix}lock:${key}`;
      const owner = randomUUID();
      const set = await redis.set(redisKey, owner, "PX", ttlMs, "NX");
      if (set !== "OK") return null;
      const lock: HeldLock = {
        key,
        owner,
        release: async () => Number(await redis.eval(DELETE_IF_OWNER, 1, redisKey, owner)) === 1,
        async extend(ms) {
          checkLockKey(key, ms);
          return Number(await redis.eval(RENEW_IF_OWNER, 1, redisKey, owner, ms)) === 1;
        },
      };
      return lock;
    },
  };
}

/** In-process keyed locks with owner tokens and expiry, shared by the instances of one hub. */
import { randomUUID } from "node:crypto";
import { checkLockKey, type HeldLock, type KeyedLock } from "./keyed-lock.js";

interface Entry {
  owner: string;
  expiresAt: number;
}

export interface MemoryLockHub {
  locks: Map<string, Entry>;
}

export const createMemoryLockHub = (): MemoryLockHub => ({ locks: new Map() });

/** Past this many held keys, expired ones are swept on the next acquire (leaked locks cannot pile up). */
const SWEEP_AT = 10_000;

export function createMemoryLock(hub: MemoryLockHub, now: () => number = Date.now): KeyedLock {
  const { locks } = hub;
  const ours = (key: string, owner: string) => {
    const e = locks.get(key);
    return e !== undefined && e.owner === owner && e.expiresAt > now();
  };
  return {
    async acquire(key, ttlMs) {
      checkLockKey(key, ttlMs);
      const t = now();
      if (locks.size >= SWEEP_AT) for (const [k, e] of locks) if (e.expiresAt <= t) locks.delete(k);
      const held = locks.get(key);
      if (held && held.expiresAt > t) return null;
      const owner = randomUUID();
      locks.set(key, { owner, expiresAt: t + ttlMs });
      const lock: HeldLock = {
        key,
        owner,
        async release() {
          if (!ours(key, owner)) return false;
          locks.delete(key);
          return true;
        },
        async extend(ms) {
          checkLockKey(key, ms);
          if (!ours(key, owner)) return false;
          locks.get(key)!.expiresAt = now() + ms;
          return true;
        },
      };
      return lock;
    },
  };
}

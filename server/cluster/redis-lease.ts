/**
 * LeaderLease over Redis. Acquire: SET NX PX with a fresh owner and INCR of the lease's fence counter, in one
 * script (the fencing token). The holder renews every third of the TTL with compare-and-PEXPIRE; a renewal
 * that finds another owner ends the term at once, and so does a local deadline — the TTL counted from the
 * start of the last successful acquire or renewal, less a margin — when Redis does not answer: the loop has
 * stopped before the key can expire in Redis and another instance take over. Followers try again every third
 * of the TTL, so a dead holder is replaced within about 1⅓ TTL. Stopping releases the lease (compare-and-DEL).
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "../logger.js";
import { startTimer } from "../timers.js";
import type { LeaderLease, LeaderLoop, LeaderRun } from "./leader-lease.js";
import { ACQUIRE_LEASE, DELETE_IF_OWNER, RENEW_IF_OWNER } from "./redis-scripts.js";

export interface RedisLeaseOptions {
  prefix: string;
  instanceId: string;
  ttlMs: number;
  logger: Logger;
}

export function createRedisLease(redis: Redis, o: RedisLeaseOptions): LeaderLease {
  const everyMs = Math.max(1, Math.floor(o.ttlMs / 3));
  // The local deadline comes this much before Redis' expiry (clock rate differences, the loop's own stop).
  const marginMs = Math.min(Math.floor(o.ttlMs / 10), 1_000);

  return {
    runAsLeader(name: string, loop: LeaderLoop): LeaderRun {
      const key = `${o.prefix}lease:${name}`;
      const fence = `${key}:fence`;
      const log = o.logger.child({ lease: name, instance: o.instanceId });
      let stopped = false;
      let owner = "";
      let term: { controller: AbortController; done: Promise<void> } | undefined;
      let next: NodeJS.Timeout | undefined;
      let deadline: NodeJS.Timeout | undefined;
      let busy: Promise<void> = Promise.resolve();
      let ending: Promise<void> = Promise.resolve();

      const later = (fn: () => Promise<void>, ms: number) => {
        clearTimeout(next);
        next = startTimer(() => {
          busy = fn();
        }, ms);
      };

      const armDeadline = (since: number) => {
        clearTimeout(deadline);
        deadline = startTimer(() => void end("the lease was not renewed in time"), since + o.ttlMs - marginMs - performance.now());
      };

      async function release(): Promise<void> {
        try {
          await redis.eval(DELETE_IF_OWNER, 1, key, owner);
        } catch (err) {
          log.warn({ err: String(err) }, "releasing the lease failed; it expires on its own");
        }
      }

      /** Ends the term (if any): aborts the loop, waits for it, gives the lease back. */
      function end(reason: string | undefined): Promise<void> {
        const t = term;
        if (!t) return ending; // a second caller waits for the same ending
        term = undefined;
        clearTimeout(deadline);
        clearTimeout(next);
        if (reason) log.warn({ reason }, "leadership lost");
        t.controller.abort();
        ending = (async () => {
          await t.done;
          await release();
          if (!stopped) later(attempt, everyMs);
        })();
        return ending;
      }

      async function attempt(): Promise<void> {
        if (stopped) return;
        owner = `${o.instanceId}:${randomUUID()}`;
        const since = performance.now();
        let token = 0;
        try {
          token = Number(await redis.eval(ACQUIRE_LEASE, 2, key, fence, owner, o.ttlMs));
        } catch (err) {
          log.warn({ err: String(err) }, "trying for the lease failed");
        }
        if (stopped) {
          if (token) await release();
          return;
        }
        if (!token) {
          later(attempt, everyMs);
          return;
        }
        const controller = new AbortController();
        log.info({ token }, "leadership taken");
        const done = (async () => {
          try {
            await loop({ token, signal: controller.signal });
          } catch (err) {
            log.error({ err }, "leader loop failed");
          }
        })();
        term = { controller, done };
        armDeadline(since);
        later(renew, everyMs);
      }

      async function renew(): Promise<void> {
        const t = term;
        if (!t || stopped) return;
        const since = performance.now();
        let held: boolean | undefined;
        try {
          held = Number(await redis.eval(RENEW_IF_OWNER, 1, key, owner, o.ttlMs)) === 1;
        } catch (err) {
          log.warn({ err: String(err) }, "renewing the lease failed; retrying until its deadline");
        }
        if (term !== t || stopped) return;
        if (held === false) return end("another instance holds the lease");
        if (held) armDeadline(since);
        later(renew, everyMs);
      }

      busy = attempt();

      return {
        isLeader: () => term !== undefined,
        async stop() {
          if (stopped) return;
          stopped = true;
          clearTimeout(next);
          await busy;
          await end(undefined);
        },
      };
    },
  };
}

/**
 * Coordination over Redis (REDIS_URL): one command connection per process, duplicated for the bus'
 * subscriber and for the Socket.IO adapter's publisher and subscriber. Every key and channel starts with
 * REDIS_KEY_PREFIX, so deployments (and test runs) sharing a Redis stay apart.
 */
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import type { Logger } from "../logger.js";
import type { AdapterTarget, Coordination } from "./coordination.js";
import { createRedisBus } from "./redis-bus.js";
import { createRedisLease } from "./redis-lease.js";
import { createRedisLock } from "./redis-lock.js";
import { createRedisRateLimitStore } from "./redis-rate-limit-store.js";

export interface RedisCoordinationOptions {
  url: string;
  prefix: string;
  instanceId: string;
  leaseTtlMs: number;
  logger: Logger;
}

/** Errors of one connection are logged at most this often (a Redis outage must not flood the log). */
const ERROR_LOG_EVERY_MS = 10_000;

export function createRedisCoordination(o: RedisCoordinationOptions): Coordination {
  const log = o.logger.child({ component: "coordination" });
  const connections: Redis[] = [];
  const watch = (redis: Redis, role: string): Redis => {
    let loggedAt = Number.NEGATIVE_INFINITY;
    // The message names host and port, never the URL (which may carry a password).
    redis.on("error", (err: Error) => {
      const t = performance.now();
      if (t - loggedAt < ERROR_LOG_EVERY_MS) return;
      loggedAt = t;
      log.warn({ role, err: err.message }, "redis connection error");
    });
    connections.push(redis);
    return redis;
  };
  // A command waits through at most two reconnect attempts, then fails (callers fail open or log).
  const redis = watch(new Redis(o.url, { maxRetriesPerRequest: 2, connectionName: `pilotlight:${o.instanceId}` }), "commands");
  const duplicate = (role: string) => watch(redis.duplicate({ connectionName: `pilotlight:${o.instanceId}:${role}` }), role);
  const bus = createRedisBus(redis, o.prefix, log);
  // The bus' subscriber connection is made by the bus itself; its errors are logged there.

  return {
    mode: "redis",
    instanceId: o.instanceId,
    bus,
    leases: createRedisLease(redis, { prefix: o.prefix, instanceId: o.instanceId, ttlMs: o.leaseTtlMs, logger: log }),
    locks: createRedisLock(redis, o.prefix),
    rateLimitStore: (r) => createRedisRateLimitStore(redis, { name: r.name, windowMs: r.windowMs, now: r.now, prefix: o.prefix, logger: log }),
    attachSocketAdapter(io: AdapterTarget) {
      const adapter = createAdapter(duplicate("socket.io-pub"), duplicate("socket.io-sub"), { key: `${o.prefix}socket.io` });
      io.adapter(adapter as never);
    },
    health: () => (redis.status === "ready" ? { ok: true, mode: "redis" } : { ok: false, reason: `redis connection is ${redis.status}` }),
    async ready() {
      await redis.ping();
    },
    async close() {
      await bus.close();
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}

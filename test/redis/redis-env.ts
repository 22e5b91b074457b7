/**
 * Where the Redis tests' Redis is (PILOTLIGHT_TEST_REDIS_URL, default redis://127.0.0.1:6379) and a key
 * prefix of their own per test, removed afterwards: runs (and other users of the same Redis) never meet.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

export const TEST_REDIS_URL = process.env.PILOTLIGHT_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export function uniquePrefix(): string {
  return `pltest:${randomUUID().slice(0, 12)}:`;
}

/** A plain connection for the test's own checks (raw publishes, key counts). */
export function testRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
}

/** Deletes every key under `prefix`. */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}

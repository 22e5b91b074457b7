/**
 * What only a real Redis can show: raw messages that are not JSON, counters that stay bounded, a Redis that
 * does not answer (limits let traffic through; start-up fails naming the problem), and `npm start`'s process
 * in server mode.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Coordination } from "../../server/cluster/coordination.js";
import { createRedisCoordination } from "../../server/cluster/redis-coordination.js";
import { createMemoryLogger, type MemoryLogger } from "../helpers/memory-logger.js";
import { runMain, spawnServer } from "../helpers/spawn-server.js";
import { tempDir } from "../helpers/test-server.js";
import { waitFor, withTimeout } from "../helpers/wait.js";
import { dropPrefix, TEST_REDIS_URL, testRedis, uniquePrefix } from "./redis-env.js";

const prefix = uniquePrefix();
const open: Coordination[] = [];

function instance(log: MemoryLogger, url = TEST_REDIS_URL): Coordination {
  const c = createRedisCoordination({ url, prefix, instanceId: "backend-test", leaseTtlMs: 1_000, logger: log.logger });
  open.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  const redis = testRedis();
  await dropPrefix(redis, prefix);
  await redis.quit();
});

describe("Redis backend", () => {
  it("drops and logs a raw message that is not JSON; the subscription keeps working", async () => {
    const log = createMemoryLogger();
    const c = instance(log);
    const heard: unknown[] = [];
    await c.bus.subscribe("events", z.object({ n: z.number() }), (m) => void heard.push(m));
    const raw = testRedis();
    await raw.publish(`${prefix}events`, "{not json");
    await raw.publish(`${prefix}events`, JSON.stringify({ n: 1 }));
    await raw.quit();
    await waitFor(() => heard.length === 1, "the valid message");
    expect(heard).toEqual([{ n: 1 }]);
    expect(log.text()).toContain("bus message is not JSON; dropped");
  });

  it("rate-limit counters expire with their window and long keys are hashed to a bounded length", async () => {
    const c = instance(createMemoryLogger());
    const store = c.rateLimitStore({ name: "bounded", windowMs: 60_000, maxKeys: 10, now: Date.now });
    const long = `p|${"x".repeat(5_000)}`;
    expect((await store.hit(long)).count).toBe(1);
    expect((await store.hit(long)).count).toBe(2);
    expect((await store.hit("p|1.2.3.4")).count).toBe(1);
    const redis = testRedis();
    const keys = await redis.keys(`${prefix}rl:*`);
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key.length).toBeLessThan(prefix.length + 100);
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    await redis.quit();
  });

  it("lets requests through and warns when Redis does not answer", async () => {
    const log = createMemoryLogger();
    const c = instance(log, "redis://127.0.0.1:1");
    const store = c.rateLimitStore({ name: "down", windowMs: 60_000, maxKeys: 10, now: Date.now });
    for (let i = 0; i < 3; i++) expect((await store.hit("p|1.2.3.4")).count).toBe(1);
    expect(log.text()).toContain("rate limit counters unavailable in Redis; letting requests through");
    expect(c.health()).toMatchObject({ ok: false });
  });

  it("npm start's process refuses to start when REDIS_URL does not answer, and names the problem", async () => {
    const dir = tempDir();
    const run = runMain({ DATABASE_PATH: `${dir}/p.db`, REDIS_URL: "redis://:hunter2-password@127.0.0.1:1", LOG_LEVEL: "silent" });
    const code = await withTimeout(run.exited, "the process to exit", 20_000);
    expect(code).toBe(1);
    expect(run.stderr()).toContain("Redis (REDIS_URL) did not answer");
    expect(run.stdout() + run.stderr()).not.toContain("hunter2-password");
  });

  it("npm start's process runs in server mode with REDIS_URL and stops cleanly on SIGTERM", async () => {
    const dir = tempDir();
    const server = await spawnServer({ DATABASE_PATH: `${dir}/p.db`, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, INSTANCE_ID: "spawned-1", LOG_LEVEL: "info" });
    expect(server.stdout()).toMatch(/"coordination":"redis","instance":"spawned-1"/);
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { ready: boolean; checks: Record<string, unknown> };
    expect(ready.checks.coordination).toEqual({ ok: true, mode: "redis" });
    server.child.kill("SIGTERM");
    expect(await withTimeout(server.exited, "a clean stop", 20_000)).toBe(0);
  });
});

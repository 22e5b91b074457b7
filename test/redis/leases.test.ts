/**
 * Leader failover and lock exclusion across real processes sharing Redis: a holder that dies (SIGKILL, or a
 * connection closed without releasing) is replaced once its lease expires; two processes hammering one
 * KeyedLock are never inside together.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Coordination } from "../../server/cluster/coordination.js";
import { aborted } from "../../server/cluster/leader-lease.js";
import { createRedisCoordination } from "../../server/cluster/redis-coordination.js";
import { createMemoryLogger } from "../helpers/memory-logger.js";
import { waitFor } from "../helpers/wait.js";
import { startChild, type Child } from "./child.js";
import { dropPrefix, TEST_REDIS_URL, testRedis, uniquePrefix } from "./redis-env.js";

const TTL_MS = 800;
const prefix = uniquePrefix();
const open: Coordination[] = [];
const children: Child[] = [];

function instance(id: string): Coordination {
  const c = createRedisCoordination({ url: TEST_REDIS_URL, prefix, instanceId: id, leaseTtlMs: TTL_MS, logger: createMemoryLogger().logger });
  open.push(c);
  return c;
}

afterEach(async () => {
  for (const c of children.splice(0)) if (c.child.exitCode === null) c.child.kill("SIGKILL");
  await Promise.all(open.splice(0).map((c) => c.close()));
  const redis = testRedis();
  await dropPrefix(redis, prefix);
  await redis.quit();
});

describe("leader lease failover (Redis)", () => {
  it("another instance takes over after the holding process is killed, with a larger fencing token", async () => {
    const holder = startChild(["lead", prefix, String(TTL_MS)]);
    children.push(holder);
    const childToken = await waitFor(() => {
      const line = holder.lines().find((l) => l.startsWith("lead "));
      return line ? Number(line.slice(5)) : undefined;
    }, () => `the child to lead: ${holder.lines().join(" | ")}`, 20_000);

    let killed = false;
    let ledBeforeKill = false;
    const terms: number[] = [];
    const run = instance("survivor").leases.runAsLeader("failover", (term) => {
      if (!killed) ledBeforeKill = true;
      terms.push(term.token);
    });
    // Several renewal periods pass with the child alive: the survivor stays a follower all along.
    const redis = testRedis();
    expect(await redis.pttl(`${prefix}lease:failover`)).toBeGreaterThan(0);
    await redis.quit();
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, TTL_MS / 2));
    expect(run.isLeader()).toBe(false);

    killed = true;
    holder.child.kill("SIGKILL");
    await holder.exited;
    await waitFor(() => terms.length === 1, "the survivor to take over", 10_000);
    expect(ledBeforeKill).toBe(false);
    expect(terms[0]).toBeGreaterThan(childToken);
    await run.stop();
  });

  it("a holder whose connection closes without releasing is replaced, and its own loop is aborted", async () => {
    const first = instance("first");
    const second = instance("second");
    let firstAborted = false;
    const terms: string[] = [];
    const runFirst = first.leases.runAsLeader("failover", async (term) => {
      terms.push("first");
      await aborted(term.signal);
      firstAborted = true;
    });
    await waitFor(() => runFirst.isLeader(), "first to lead");
    const runSecond = second.leases.runAsLeader("failover", () => void terms.push("second"));

    // The connection drops without a release (as a crashed or partitioned instance's would).
    await first.close();
    await waitFor(() => firstAborted, "the cut-off holder to stop its loop (its renewals fail)", 10_000);
    await waitFor(() => runSecond.isLeader(), "second to take over", 10_000);
    expect(terms).toEqual(["first", "second"]);
    await runSecond.stop();
    await runFirst.stop();
  });
});

describe("keyed lock across processes (Redis)", () => {
  it("two processes contending for one key never both hold it", async () => {
    const contenders = [startChild(["contend", prefix, "session:42", "300"]), startChild(["contend", prefix, "session:42", "300"])];
    children.push(...contenders);
    await Promise.all(contenders.map((c) => c.exited));
    const lines = contenders.flatMap((c) => c.lines());
    expect(lines.filter((l) => l === "overlap" || l === "lost" || l.startsWith("stderr"))).toEqual([]);
    const held = contenders.map((c) => Number(c.lines().find((l) => l.startsWith("done "))?.slice(5)));
    // Both ran to the end and the lock was really taken (by one or both) many times.
    expect(held.every((n) => Number.isInteger(n))).toBe(true);
    expect(held[0]! + held[1]!).toBeGreaterThan(0);
    expect(held[0]! + held[1]!).toBeLessThanOrEqual(600);
  });
});

/**
 * The contract every Coordination backend keeps, run against the in-process one in `npm test`
 * (memory-coordination.test.ts) and against Redis in `npm run test:redis` (test/redis/coordination.test.ts).
 * A "cluster" makes instances of one deployment: each with its own connections, sharing the backend.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Coordination } from "../../server/cluster/coordination.js";
import type { LeaderTerm } from "../../server/cluster/leader-lease.js";
import { aborted } from "../../server/cluster/leader-lease.js";
import { createMemoryLogger, type MemoryLogger } from "../helpers/memory-logger.js";
import { waitFor } from "../helpers/wait.js";

export interface ContractCluster {
  /** A new instance of the deployment, logging to `log`. */
  join(instanceId: string, log: MemoryLogger): Coordination;
  /** Closes every instance made and removes what the run left in the backend. */
  close(): Promise<void>;
}

const Note = z.object({ n: z.number().int() });
type Note = z.infer<typeof Note>;

/** Collects what a subscription hears. */
function collector() {
  const heard: Note[] = [];
  return { heard, handler: (m: Note) => void heard.push(m) };
}

export function describeCoordinationContract(backend: string, makeCluster: () => ContractCluster): void {
  describe(`coordination contract: ${backend}`, () => {
    let cluster: ContractCluster;
    let log: MemoryLogger;
    let a: Coordination;
    let b: Coordination;

    beforeEach(() => {
      cluster = makeCluster();
      log = createMemoryLogger("debug");
      a = cluster.join("instance-a", log);
      b = cluster.join("instance-b", log);
    });
    afterEach(async () => {
      await cluster.close();
    });

    describe("Bus", () => {
      it("delivers a message to every subscriber of its channel, on every instance and the publisher's own, once each", async () => {
        const onA = collector();
        const onB = collector();
        const otherChannel = collector();
        await a.bus.subscribe("events", Note, onA.handler);
        await b.bus.subscribe("events", Note, onB.handler);
        await b.bus.subscribe("other", Note, otherChannel.handler);

        await a.bus.publish("events", { n: 1 });
        await b.bus.publish("events", { n: 2 });
        await waitFor(() => onA.heard.length === 2 && onB.heard.length === 2, "both subscribers to hear both messages");
        // Anything more would have arrived with them; a sentinel on the other channel proves the queue drained.
        await a.bus.publish("other", { n: 99 });
        await waitFor(() => otherChannel.heard.length === 1, "the sentinel");
        expect(onA.heard.map((m) => m.n).sort()).toEqual([1, 2]);
        expect(onB.heard.map((m) => m.n).sort()).toEqual([1, 2]);
        expect(otherChannel.heard).toEqual([{ n: 99 }]);
      });

      it("drops and logs a message that does not match the subscriber's schema; the next one still arrives", async () => {
        const onB = collector();
        await b.bus.subscribe("events", Note, onB.handler);
        await a.bus.publish("events", { n: "not a number" });
        await a.bus.publish("events", { n: 3 });
        await waitFor(() => onB.heard.length === 1, "the valid message");
        expect(onB.heard).toEqual([{ n: 3 }]);
        await waitFor(() => log.text().includes("does not match its channel's schema"), "the dropped message to be logged");
      });

      it("a handler that throws is logged and does not stop delivery to the others", async () => {
        const onB = collector();
        await a.bus.subscribe("events", Note, () => {
          throw new Error("handler bug");
        });
        await b.bus.subscribe("events", Note, onB.handler);
        await a.bus.publish("events", { n: 4 });
        await a.bus.publish("events", { n: 5 });
        await waitFor(() => onB.heard.length === 2, "both messages on b");
        await waitFor(() => log.text().includes("bus handler failed"), "the failure to be logged");
      });

      it("stops delivering after unsubscribe, while other subscribers of the channel still hear it", async () => {
        const gone = collector();
        const stays = collector();
        const unsubscribe = await b.bus.subscribe("events", Note, gone.handler);
        await a.bus.subscribe("events", Note, stays.handler);
        await unsubscribe();
        await a.bus.publish("events", { n: 6 });
        await waitFor(() => stays.heard.length === 1, "the remaining subscriber");
        const sentinel = collector();
        await b.bus.subscribe("events", Note, sentinel.handler);
        await a.bus.publish("events", { n: 7 });
        await waitFor(() => sentinel.heard.length === 1, "the sentinel subscriber");
        expect(gone.heard).toEqual([]);
      });

      it("refuses channel names that are not ours and values that are not JSON", async () => {
        await expect(a.bus.publish("has space", { n: 1 })).rejects.toThrow(/bus channel/);
        await expect(a.bus.subscribe("", Note, () => undefined)).rejects.toThrow(/bus channel/);
        await expect(a.bus.publish("events", undefined)).rejects.toThrow(/JSON/);
      });
    });

    describe("LeaderLease", () => {
      it("one instance leads a name at a time; when it stops, another takes over with a larger token", async () => {
        const terms: { who: string; token: number }[] = [];
        let inside = 0;
        let overlap = false;
        const loopOf = (who: string) => async (term: LeaderTerm) => {
          inside++;
          if (inside > 1) overlap = true;
          terms.push({ who, token: term.token });
          await aborted(term.signal);
          inside--;
        };
        const runA = a.leases.runAsLeader("job", loopOf("a"));
        await waitFor(() => terms.length === 1, "a to lead");
        const runB = b.leases.runAsLeader("job", loopOf("b"));
        // b is a follower: a never gave the lease up, so its loop must not have run. Proven after b gets it.
        expect(runA.isLeader()).toBe(true);
        await runA.stop();
        expect(runA.isLeader()).toBe(false);
        await waitFor(() => terms.length === 2, "b to take over");
        expect(runB.isLeader()).toBe(true);
        expect(terms.map((t) => t.who)).toEqual(["a", "b"]);
        expect(terms[1]!.token).toBeGreaterThan(terms[0]!.token);
        expect(overlap).toBe(false);
        await runB.stop();
        expect(inside).toBe(0);
      });

      it("stop() aborts the loop and waits for it to finish", async () => {
        let finished = false;
        const run = a.leases.runAsLeader("job", async (term) => {
          await aborted(term.signal);
          await new Promise((resolve) => setTimeout(resolve, 20));
          finished = true;
        });
        await waitFor(() => run.isLeader(), "a to lead");
        await run.stop();
        expect(finished).toBe(true);
      });

      it("leases of different names are independent", async () => {
        const led: string[] = [];
        const runs = [
          a.leases.runAsLeader("one", () => void led.push("a:one")),
          b.leases.runAsLeader("two", () => void led.push("b:two")),
        ];
        await waitFor(() => led.length === 2, "both leases to be held");
        expect(led.sort()).toEqual(["a:one", "b:two"]);
        await Promise.all(runs.map((r) => r.stop()));
      });

      it("a loop that throws is logged; the lease stays held (no other instance repeats the work)", async () => {
        let bRan = false;
        const runA = a.leases.runAsLeader("job", () => {
          throw new Error("loop bug");
        });
        await waitFor(() => log.text().includes("leader loop failed"), "the failure to be logged");
        const runB = b.leases.runAsLeader("job", () => void (bRan = true));
        expect(runA.isLeader()).toBe(true);
        expect(runB.isLeader()).toBe(false);
        await runA.stop();
        await waitFor(() => bRan, "b to take over once a stopped");
        await runB.stop();
      });
    });

    describe("KeyedLock", () => {
      it("one holder per key across instances; released, it can be taken again", async () => {
        const first = await a.locks.acquire("session:1", 10_000);
        expect(first).not.toBeNull();
        expect(await b.locks.acquire("session:1", 10_000)).toBeNull();
        expect(await a.locks.acquire("session:1", 10_000)).toBeNull();
        // Another key is free.
        const other = await b.locks.acquire("session:2", 10_000);
        expect(other).not.toBeNull();
        expect(await first!.release()).toBe(true);
        const second = await b.locks.acquire("session:1", 10_000);
        expect(second).not.toBeNull();
        expect(second!.owner).not.toBe(first!.owner);
        expect(await first!.release()).toBe(false); // released twice: the new holder keeps the key
        expect(await a.locks.acquire("session:1", 10_000)).toBeNull();
        await second!.release();
        await other!.release();
      });

      it("an expired holder can neither release nor extend the lock someone else took since", async () => {
        const stale = await a.locks.acquire("conversation:9", 50);
        expect(stale).not.toBeNull();
        const fresh = await waitFor(() => b.locks.acquire("conversation:9", 10_000).then((l) => l ?? undefined), "the lock to expire");
        expect(await stale!.release()).toBe(false);
        expect(await stale!.extend(10_000)).toBe(false);
        expect(await a.locks.acquire("conversation:9", 10_000)).toBeNull();
        expect(await fresh.release()).toBe(true);
      });

      it("extend keeps the lock for the new TTL", async () => {
        const held = await a.locks.acquire("session:3", 10_000);
        expect(await held!.extend(20_000)).toBe(true);
        expect(await b.locks.acquire("session:3", 10_000)).toBeNull();
        expect(await held!.release()).toBe(true);
      });

      it("refuses a bad key or TTL before taking anything", async () => {
        await expect(a.locks.acquire("has space", 1000)).rejects.toThrow(/lock key/);
        await expect(a.locks.acquire("x".repeat(513), 1000)).rejects.toThrow(/lock key/);
        await expect(a.locks.acquire("session:4", 0)).rejects.toThrow(/ttlMs/);
        const ok = await a.locks.acquire("session:4", 1000);
        expect(ok).not.toBeNull();
        await ok!.release();
      });
    });

    describe("rate-limit store", () => {
      it("counts hits per key in a window, takes one back on undo, and keeps limiters apart", async () => {
        const options = { name: "contract", windowMs: 60_000, maxKeys: 100, now: Date.now };
        const store = a.rateLimitStore(options);
        const otherLimiter = a.rateLimitStore({ ...options, name: "contract_other" });
        expect((await store.hit("p|1.2.3.4")).count).toBe(1);
        expect((await store.hit("p|1.2.3.4")).count).toBe(2);
        expect((await store.hit("p|5.6.7.8")).count).toBe(1);
        await store.undo("p|1.2.3.4");
        const third = await store.hit("p|1.2.3.4");
        expect(third.count).toBe(2);
        expect(third.resetAt).toBeGreaterThan(Date.now());
        expect(third.resetAt).toBeLessThanOrEqual(Date.now() + 60_000);
        expect((await otherLimiter.hit("p|1.2.3.4")).count).toBe(1);
        store.close();
        otherLimiter.close();
      });

      it("starts a fresh window once the old one ends", async () => {
        const store = a.rateLimitStore({ name: "contract_window", windowMs: 100, maxKeys: 100, now: Date.now });
        await store.hit("k");
        expect((await store.hit("k")).count).toBe(2);
        await waitFor(async () => (await store.hit("k")).count === 1, "the window to end");
        store.close();
      });
    });
  });
}

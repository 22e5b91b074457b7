import { afterEach, describe, expect, it } from "vitest";
import type { FetchLike } from "eventsource";
import { startCuttingProxy } from "../helpers/cutting-proxy.js";
import { actionsEvent, titlesOf } from "../helpers/events.js";
import { pushEvent } from "../helpers/signing.js";
import { subscribe, type ReceivedEvent } from "../helpers/sse-client.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function start(env: Record<string, string>): Promise<TestServer> {
  const server = await startTestServer({ env });
  cleanup.push(() => server.close());
  return server;
}

/** A small seeded PRNG (mulberry32), so a failing run can be replayed from the seed in its message. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** What a client received must be exactly what was ingested: every event once, in commit order. */
function expectExactlyOnceInOrder(received: readonly ReceivedEvent[], pushedBySession: Map<string, string[]>, context: string) {
  const ids = received.map((e) => e.id);
  for (let i = 1; i < ids.length; i++) expect(ids[i], `${context}: ids increase`).toBeGreaterThan(ids[i - 1]!);
  for (const [session, titles] of pushedBySession) {
    const got = received.filter((e) => e.data.session_id === session).flatMap((e) => titlesOf(e.data));
    expect(got, `${context}: session ${session}`).toEqual(titles);
  }
  const total = [...pushedBySession.values()].reduce((n, t) => n + t.length, 0);
  expect(received.flatMap((e) => titlesOf(e.data)).length, context).toBe(total);
}

function describeMissing(received: readonly ReceivedEvent[], pushed: Map<string, string[]>): string {
  const got = new Set(received.flatMap((e) => titlesOf(e.data)));
  const missing = [...pushed.values()].flat().filter((t) => !got.has(t));
  return `${got.size} received, ${missing.length} missing (first: ${missing.slice(0, 5).join(", ")})`;
}

describe("outbound stream resume (eventsource client)", () => {
  it("loses nothing and repeats nothing when the connection is cut at 20 random points under concurrent ingestion", async () => {
    const seed = Date.now() % 1_000_000;
    const random = prng(seed);
    const server = await start({ STREAM_RETRY_MS: "10", STREAM_HEARTBEAT_MS: "600000" });
    // Cut each of the first 20 connections somewhere in its first ~12 KB: in the headers, mid-line, between
    // frames, during the replay or after the switch to live.
    const proxy = await startCuttingProxy(server.port, (n) => (n < 20 ? 1 + Math.floor(random() * 12_000) : null));
    cleanup.push(() => proxy.close());
    // Starting from the beginning of the (empty) log: a cut before the first event still resumes from there.
    const client = subscribe(`${proxy.url}/v1/stream/demo`, { lastEventId: 0 });
    cleanup.push(() => client.close());

    const sessions = ["cut-a", "cut-b", "cut-c"];
    const pushed = new Map(sessions.map((s) => [s, [] as string[]]));
    let n = 0;
    // Three concurrent writers, one per session, until the proxy has cut 20 times (bounded, to fail clearly;
    // generously, since how many events pass between two cuts depends on how fast the writers are).
    await Promise.all(
      sessions.map(async (session) => {
        while (proxy.cuts() < 20 && n < 50_000) {
          const titles = Array.from({ length: 1 + Math.floor(random() * 3) }, () => `${session}-${n++}`);
          const res = await pushEvent(server.url, actionsEvent(session, titles));
          expect(res.status).toBe(202);
          pushed.get(session)!.push(...titles);
        }
      }),
    );
    expect(proxy.cuts(), `seed ${seed}`).toBe(20);
    // One more event after the last cut, then everything must arrive.
    await pushEvent(server.url, actionsEvent("cut-a", ["cut-a-final"]));
    pushed.get("cut-a")!.push("cut-a-final");
    const total = [...pushed.values()].reduce((sum, t) => sum + t.length, 0);
    await waitFor(
      () => client.events.flatMap((e) => titlesOf(e.data)).length >= total,
      () => `all ${total} actions at the client (seed ${seed}): ${describeMissing(client.events, pushed)}`,
      20_000,
    );

    expectExactlyOnceInOrder(client.events, pushed, `seed ${seed}`);
    expect(client.opens()).toBeGreaterThan(1);
    // The client resumed with its own Last-Event-ID (the package's behaviour, our header honoured).
    const resumed = client.requests.filter((h) => Number(h["Last-Event-ID"]) > 0);
    expect(resumed.length, `seed ${seed}`).toBeGreaterThan(0);
    expect(server.app.services.streams.stats().replays).toBeGreaterThan(0);
  });

  it("switches from replay to live with no gap and no duplicate while ingestion never pauses", async () => {
    const server = await start({ STREAM_HEARTBEAT_MS: "600000" });
    const pushed = new Map([["gap-a", [] as string[]], ["gap-b", [] as string[]]]);
    let writing = true;
    const writers = [...pushed.keys()].map(async (session) => {
      for (let n = 0; writing && n < 5_000; n++) {
        const title = `${session}-${n}`;
        expect((await pushEvent(server.url, actionsEvent(session, [title]))).status).toBe(202);
        pushed.get(session)!.push(title);
      }
    });
    // Each subscriber replays the whole (growing) log from id 0 and switches to live while commits keep coming.
    const clients = [];
    for (let k = 0; k < 12; k++) {
      await waitFor(async () => await server.repos.eventLog.head() >= 20 * (k + 1), "more events in the log");
      const client = subscribe(`${server.url}/v1/stream/demo`, { lastEventId: 0 });
      cleanup.push(() => client.close());
      clients.push(client);
      await client.untilEvents(1);
    }
    await waitFor(() => server.app.services.streams.stats().replaying === 0, "every replay to finish");
    writing = false;
    await Promise.all(writers);
    const total = [...pushed.values()].reduce((sum, t) => sum + t.length, 0);
    for (const [k, client] of clients.entries()) {
      await waitFor(() => client.events.length >= total, () => `client ${k}: ${describeMissing(client.events, pushed)}`);
      expectExactlyOnceInOrder(client.events, pushed, `client ${k}`);
      expect(client.opens(), `client ${k} never reconnected`).toBe(1);
    }
  });

  it("closes a slow subscriber's stream when its buffer overflows, without slowing ingestion; it resumes losing nothing", async () => {
    const server = await start({ STREAM_BUFFER_BYTES: "65536", STREAM_RETRY_MS: "10", STREAM_HEARTBEAT_MS: "600000" });
    // The client stops reading its first connection until released: the socket backs up, the server's
    // writes return false, the subscriber's queue grows past its limit.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let connection = 0;
    const stall = (fetchImpl: FetchLike): FetchLike => async (url, init) => {
      const res = await fetchImpl(url, init);
      if (connection++ > 0) return res;
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const body = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            await released;
            const { done, value } = await reader.read();
            if (done) controller.close();
            else controller.enqueue(value);
          },
          cancel: (reason) => reader.cancel(reason),
        },
        { highWaterMark: 0 },
      );
      return { body, url: res.url, status: res.status, redirected: res.redirected, headers: res.headers };
    };
    const client = subscribe(`${server.url}/v1/stream/demo`, { wrapFetch: stall });
    cleanup.push(() => client.close());
    await waitFor(() => server.app.services.streams.stats().subscribers === 1, "the subscriber to be registered");

    const pushed = new Map<string, string[]>([["slow", []]]);
    const bulky = "x".repeat(1_900);
    let i = 0;
    // Large events until the server gives up on the stalled subscriber (bounded, to fail clearly).
    while (server.app.services.streams.stats().overflows === 0 && i < 400) {
      const titles = Array.from({ length: 30 }, (_, k) => `slow-${i}-${k}`);
      const event = actionsEvent("slow", titles);
      event.actions.forEach((a) => (a.description = `${bulky} ${a.title}`));
      const res = await pushEvent(server.url, event);
      expect(res.status).toBe(202); // every push is acknowledged while the subscriber is stuck
      pushed.get("slow")!.push(...titles);
      i++;
    }
    expect(server.app.services.streams.stats().overflows).toBe(1);
    await waitFor(() => server.app.services.streams.stats().subscribers === 0, "the stream to be closed");
    for (let k = 0; k < 3; k++) {
      await pushEvent(server.url, actionsEvent("slow", [`after-${k}`]));
      pushed.get("slow")!.push(`after-${k}`);
    }

    release();
    const total = pushed.get("slow")!.length;
    await waitFor(
      () => client.events.flatMap((e) => titlesOf(e.data)).length >= total,
      () => `all ${total} actions at the client: ${describeMissing(client.events, pushed)}`,
      20_000,
    );
    expectExactlyOnceInOrder(client.events, pushed, "slow subscriber");
    expect(client.opens()).toBe(2);
    // The second connection resumed right after the last event the first one delivered.
    const beforeResume = client.eventsAtOpen[1]!;
    expect(beforeResume).toBeGreaterThan(0);
    expect(Number(client.requests[1]!["Last-Event-ID"])).toBe(client.events[beforeResume - 1]!.id);
  });
});

/**
 * Stream replay shares the event loop (issue 11, finding #8): many subscribers resuming from an old
 * Last-Event-ID must not hold ingestion until they have all caught up. Replays run in short slices, so an
 * ingest sent while they run is committed and answered in between — and every subscriber still gets
 * every event once, in order, then the new one live.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushEvent } from "../helpers/signing.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { SUGGESTIONS_ENABLED: "false", STREAM_HEARTBEAT_MS: "600000" } });
});
afterAll(async () => {
  await server.close();
});

const LOGGED = 600;
const SUBSCRIBERS = 100;

interface Subscriber {
  ids: number[];
  close(): void;
}

/** A raw SSE reader (node:http) that records every event id it receives. */
function subscribe(afterId: number, sessionId?: string): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const ids: number[] = [];
    let rest = "";
    const req = http.get(
      `${server.url}/v1/stream/demo${sessionId ? `?session_id=${sessionId}` : ""}`,
      { headers: { authorization: `Bearer ${TEST_SECRETS.STREAM_TOKEN}`, "last-event-id": String(afterId) }, agent: false },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`subscribe: HTTP ${res.statusCode}`));
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          const frames = (rest + chunk).split("\n\n");
          rest = frames.pop()!;
          for (const frame of frames) {
            const id = /^id: (\d+)$/m.exec(frame)?.[1];
            if (id) ids.push(Number(id));
          }
        });
        resolve({ ids, close: () => req.destroy() });
      },
    );
    req.on("error", reject);
  });
}

/** Appends `n` entries straight to the store (the setup, not what is tested); returns their ids. */
async function seedLog(n: number, sessionOf: (i: number) => string): Promise<number[]> {
  const now = Date.now();
  return server.repos.transaction(async (tx) => {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      ids.push(await tx.eventLog.append({
        productId: "demo",
        sessionKey: sessionOf(i),
        kind: "actions",
        data: JSON.stringify({ type: "actions", product_id: "demo", session_id: sessionOf(i), n: i, actions: [] }),
        createdAt: now,
      }));
    }
    return ids;
  });
}

describe("GET /v1/stream/:productId replay", () => {
  it("lets an ingest through while many subscribers replay a large log, and still delivers everything once, in order", async () => {
    await seedLog(LOGGED, (i) => `seed-${i % 7}`);
    const head = await server.repos.eventLog.head();

    // Subscribers resume from the start of the log; once the first is replaying, an ingest arrives.
    const connecting = Array.from({ length: SUBSCRIBERS }, () => subscribe(0));
    await Promise.race(connecting);
    const ack = await pushEvent(server.url, {
      type: "actions",
      session_id: "s-during-replay",
      actions: [{ title: "t", description: "d", canonical_url: "/", timestamp_start: 1 }],
    });
    const replayingAtAck = server.app.services.streams.stats().replaying;
    expect(ack).toEqual({ status: 202, body: { accepted: 1, duplicates: 0 } });
    // Answered before the replays were done: they did not hold the event loop until the end.
    expect(replayingAtAck).toBeGreaterThan(0);

    const subscribers = await Promise.all(connecting);
    const expected = [...Array.from({ length: LOGGED }, (_, i) => head - LOGGED + 1 + i), head + 1];
    await waitFor(() => subscribers.every((s) => s.ids.length >= expected.length), () => `all ${SUBSCRIBERS} subscribers to get ${expected.length} events`);
    for (const s of subscribers) {
      expect(s.ids).toEqual(expected);
      s.close();
    }
  });

  it("finds a session's few events spread over a long log (?session_id=), then goes live", async () => {
    const sparse = new Set([3, 2_500, 7_001, 9_998]);
    const ids = await seedLog(10_000, (i) => (sparse.has(i) ? "s-sparse" : `other-${i % 5}`));
    const mine = [...sparse].map((i) => ids[i]!);
    const sub = await subscribe(ids[0]! - 1, "s-sparse");
    await waitFor(() => sub.ids.length >= mine.length, "the sparse session's replayed events");
    expect(sub.ids).toEqual(mine);
    await waitFor(() => server.app.services.streams.stats().replaying === 0, "the replay to end");
    const live = await pushEvent(server.url, { type: "actions", session_id: "s-sparse", actions: [{ title: "live", description: "d", canonical_url: "/", timestamp_start: 2 }] });
    expect(live.status).toBe(202);
    await waitFor(() => sub.ids.length > mine.length, "the live event");
    expect(sub.ids).toEqual([...mine, await server.repos.eventLog.head()]);
    sub.close();
  });
});

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
function subscribe(afterId: number): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const ids: number[] = [];
    let rest = "";
    const req = http.get(
      `${server.url}/v1/stream/demo`,
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

describe("GET /v1/stream/:productId replay", () => {
  it("lets an ingest through while many subscribers replay a large log, and still delivers everything once, in order", async () => {
    // A log of LOGGED events, written straight to the store (the setup, not what is tested).
    const now = Date.now();
    server.repos.transaction(() => {
      for (let i = 0; i < LOGGED; i++) {
        server.repos.eventLog.append({
          productId: "demo",
          sessionKey: `seed-${i % 7}`,
          kind: "actions",
          data: JSON.stringify({ type: "actions", product_id: "demo", session_id: `seed-${i % 7}`, n: i, actions: [] }),
          createdAt: now,
        });
      }
    });
    const head = server.repos.eventLog.head();

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
});

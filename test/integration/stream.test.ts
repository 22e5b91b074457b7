import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "../helpers/db-counts.js";
import { actionsEvent, titlesOf } from "../helpers/events.js";
import { fixtureJson } from "../helpers/fixtures.js";
import { readUntil } from "../helpers/read-stream.js";
import { pushEvent } from "../helpers/signing.js";
import { subscribe, type SseSubscription } from "../helpers/sse-client.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";

const auth = { authorization: `Bearer ${TEST_SECRETS.STREAM_TOKEN}` };

let server: TestServer;
const open: SseSubscription[] = [];
beforeAll(async () => {
  server = await startTestServer({ env: { STREAM_RETRY_MS: "20", STREAM_HEARTBEAT_MS: "600000" } });
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await server.close();
});

function streamUrl(query = "", product = "demo", base = server.url) {
  return `${base}/v1/stream/${product}${query}`;
}

function sub(query = "", options: Parameters<typeof subscribe>[1] = {}, base = server.url) {
  const s = subscribe(streamUrl(query, "demo", base), options);
  open.push(s);
  return s;
}

async function push(event: unknown, base = server.url) {
  const res = await pushEvent(base, event);
  expect(res.status).toBe(202);
  return res.body;
}

describe("GET /v1/stream/:productId — access", () => {
  it("answers 401 for a missing or wrong bearer token and 404 for an unknown product, storing nothing", async () => {
    const before = await rowCounts(server.sql);
    const missing = await fetch(streamUrl());
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as any).error).toMatchObject({ code: "missing_token", message: expect.stringContaining("Bearer") });
    const wrong = await fetch(streamUrl(), { headers: { authorization: "Bearer not-the-stream-token" } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as any).error.code).toBe("bad_token");
    // The push secret is not the stream token.
    const other = await fetch(streamUrl(), { headers: { authorization: `Bearer ${TEST_SECRETS.PUSH_SECRET}` } });
    expect(other.status).toBe(401);
    const unknown = await fetch(streamUrl("", "nope"), { headers: auth });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error.code).toBe("unknown_product");
    expect(await rowCounts(server.sql)).toEqual(before);
    expect(server.app.services.streams.stats().subscribers).toBe(0);
  });

  it("refuses a malformed Last-Event-ID with 400 and an empty session_id with 422, naming the problem", async () => {
    const bad = await fetch(streamUrl(), { headers: { ...auth, "last-event-id": "abc" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error).toMatchObject({ code: "invalid_last_event_id", message: expect.stringContaining("Last-Event-ID") });
    const badQuery = await fetch(streamUrl("?last_event_id=-3"), { headers: auth });
    expect(badQuery.status).toBe(422);
    expect(((await badQuery.json()) as any).error.issues[0].path).toBe("last_event_id");
    const emptySession = await fetch(streamUrl("?session_id="), { headers: auth });
    expect(emptySession.status).toBe(422);
    expect(((await emptySession.json()) as any).error.issues[0].path).toBe("session_id");
  });

  it("answers with the SSE headers and a retry hint", async () => {
    const res = await fetch(streamUrl(), { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("x-accel-buffering")).toBe("no");
    expect(await readUntil(res, (t) => t.includes("\n\n"))).toBe("retry: 20\n\n");
  });

  it("answers HEAD with the headers and ends, leaving no subscriber behind", async () => {
    const res = await fetch(streamUrl(), { method: "HEAD", headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(await res.text()).toBe("");
  });
});

describe("GET /v1/stream/:productId — frames", () => {
  it("sends one frame per ingested event with only the newly stored actions, keeping their index", async () => {
    const s = sub();
    await waitFor(() => s.opens() === 1, "the stream to open");
    const first = actionsEvent("s-frames", ["f-a", "f-b", "f-c"], { user_id: "u-1" });
    expect(await push(first)).toEqual({ accepted: 3, duplicates: 0 });
    // Re-delivery of f-b (same timestamp) plus one new action: only the new one is streamed.
    const again = { ...first, actions: [first.actions[1], { ...first.actions[2]!, index: 7, title: "f-d", timestamp_start: 1 }] };
    expect(await push(again)).toEqual({ accepted: 1, duplicates: 1 });
    // A fully duplicate delivery stores nothing and streams nothing: the next frame is the marker's.
    expect(await push(first)).toEqual({ accepted: 0, duplicates: 3 });
    await push(actionsEvent("s-frames", ["f-marker"]));
    const summary = { ...fixtureJson<{ summary: string; forwarded_at: number }>("autoplay-summary.json"), session_id: "s-frames" };
    await push(summary);
    await push(summary); // duplicate summary: no frame

    const events = await s.untilEvents(4);
    // The same action twice in one batch is stored (and streamed) once, at its first index.
    const twice = actionsEvent("s-frames", ["f-twice", "f-other"]);
    twice.actions = [twice.actions[0]!, { ...twice.actions[0]!, index: 1 }, { ...twice.actions[1]!, index: 2 }];
    expect(await push(twice)).toEqual({ accepted: 2, duplicates: 1 });
    await s.untilEvents(5);
    expect(events.map((e) => e.data.type)).toEqual(["actions", "actions", "actions", "summary", "actions"]);
    expect(events[4]!.data.actions.map((a: { index: number; title: string }) => [a.index, a.title])).toEqual([[0, "f-twice"], [2, "f-other"]]);
    expect(titlesOf(events[0]!.data)).toEqual(["f-a", "f-b", "f-c"]);
    expect(events[0]!.data).toMatchObject({ product_id: "demo", session_id: "s-frames", user_id: "u-1", count: 3 });
    expect(events[0]!.data.actions[2]).toMatchObject({
      index: 2,
      type: "click",
      title: "f-c",
      description: "User clicked f-c",
      canonical_url: "https://app.example.com/s-frames",
      timestamp_start: first.actions[2]!.timestamp_start,
    });
    expect(events[1]!.data).toMatchObject({ count: 1, actions: [{ index: 7, title: "f-d" }] });
    expect(titlesOf(events[2]!.data)).toEqual(["f-marker"]);
    expect(events[3]!.data).toEqual({ type: "summary", product_id: "demo", session_id: "s-frames", summary: summary.summary, replaces: 4, forwarded_at: summary.forwarded_at });
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    s.close();
  });

  it("replays after Last-Event-ID (header or ?last_event_id=) and then continues live with no gap or duplicate", async () => {
    const live = sub();
    await waitFor(() => live.opens() === 1, "the stream to open");
    for (let i = 0; i < 5; i++) await push(actionsEvent("s-replay", [`r-${i}`]));
    const firstFive = (await live.untilEvents(5)).slice();
    const resumeAfter = firstFive[1]!.id;

    const viaHeader = sub("", { lastEventId: resumeAfter });
    const viaQuery = sub(`?last_event_id=${resumeAfter}`);
    await viaHeader.untilEvents(3);
    await viaQuery.untilEvents(3);
    for (let i = 5; i < 8; i++) await push(actionsEvent("s-replay", [`r-${i}`]));
    for (const s of [viaHeader, viaQuery]) {
      const events = await s.untilEvents(6);
      expect(events.map((e) => titlesOf(e.data)[0])).toEqual(["r-2", "r-3", "r-4", "r-5", "r-6", "r-7"]);
      expect(events.slice(0, 3).map((e) => e.id)).toEqual(firstFive.slice(2).map((e) => e.id));
    }
    expect(server.app.services.streams.stats().replays).toBeGreaterThanOrEqual(2);
    [live, viaHeader, viaQuery].forEach((s) => s.close());
  });

  it("filters by ?session_id= (alice sees hers, never bob's), in replay and live", async () => {
    const head = await server.repos.eventLog.head();
    await push(actionsEvent("alice", ["a-1"]));
    await push(actionsEvent("bob", ["b-1"]));
    const alice = sub("?session_id=alice", { lastEventId: head });
    const everyone = sub("", { lastEventId: head });
    await alice.untilEvents(1);
    await push(actionsEvent("bob", ["b-2"]));
    await push(actionsEvent("alice", ["a-2"]));
    await everyone.untilEvents(4);
    await alice.untilEvents(2);
    expect(alice.events.map((e) => titlesOf(e.data)[0])).toEqual(["a-1", "a-2"]);
    expect(alice.events.every((e) => e.data.session_id === "alice")).toBe(true);
    expect(everyone.events.map((e) => titlesOf(e.data)[0])).toEqual(["a-1", "b-1", "b-2", "a-2"]);
    alice.close();
    everyone.close();
  });

  it("counts open subscribers in /readyz", async () => {
    // The earlier tests' clients have closed; wait until the server has seen them go.
    await waitFor(() => server.app.services.streams.stats().subscribers === 0, "earlier subscribers to be gone");
    const s = sub();
    await waitFor(() => s.opens() === 1, "the stream to open");
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as any;
    expect(ready.checks.streams).toEqual({ ok: true, subscribers: 1, replaying: 0 });
    s.close();
    await waitFor(() => server.app.services.streams.stats().subscribers === 0, "the subscriber to be gone");
  });
});

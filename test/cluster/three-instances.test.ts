/**
 * Three real instances of the built server on one PostgreSQL database and one Redis behave as one product
 * (issue 15): a widget on one instance gets what another instance computes, the outbound stream carries
 * every instance's events and resumes anywhere, a killed instance loses nothing it acknowledged, and one
 * session's evaluations never overlap across instances. The LLM is a local OpenAI-protocol server.
 *
 * `npm run test:cluster` (builds first). Needs PostgreSQL and Redis (see cluster-env.ts); not in `npm test`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageCreated } from "../../server/contracts/realtime.js";
import { actionsEvent, titlesOf } from "../helpers/events.js";
import { maxOverlap, startFakeOpenAI, type FakeOpenAI, type RecordedRequest } from "../helpers/fake-openai.js";
import { pilotlightHeaders, pushEvent } from "../helpers/signing.js";
import { subscribe, type SseSubscription } from "../helpers/sse-client.js";
import { pushActions, TEAM_PAGE } from "../helpers/suggestions.js";
import { waitFor } from "../helpers/wait.js";
import { command, connectWidget, expectOk, nextEvent, recorder, userHash, widgetClient, type WidgetClient } from "../helpers/widget-client.js";
import { createDeployment, type Deployment, type Instance } from "./cluster-env.js";

let fake: FakeOpenAI;
let deployment: Deployment;
let a: Instance;
let b: Instance;
let c: Instance;
const sockets: WidgetClient[] = [];
const streams: SseSubscription[] = [];

/** A suggestion call takes a while (so overlapping ones would show); chat replies stream at once. */
const SUGGESTION_CALL_MS = 300;
const SLOW_REPLY = "please answer slowly";

beforeAll(async () => {
  fake = await startFakeOpenAI({
    default: (req) => {
      if (!req.body.stream) return { kind: "reply", text: "Open Settings → Team to invite a teammate.", delayMs: SUGGESTION_CALL_MS };
      // A slow streamed reply, where a question asks for one: overlapping replies would interleave their deltas.
      if (JSON.stringify(req.body.messages ?? []).includes(SLOW_REPLY)) return { kind: "stream", deltas: ["One, ", "two, ", "three, ", "four."], chunkDelayMs: 60 };
      return { kind: "reply", text: "Open Settings, then Team, and type their email." };
    },
  });
  deployment = await createDeployment({
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: "sk-test",
    LLM_MAX_RETRIES: "0",
    SUGGEST_DEBOUNCE_MS: "100",
    SUGGEST_MAX_WAIT_MS: "400",
    GATE_COOLDOWN_MS: "0",
    GATE_RECENT_MESSAGE_MS: "0",
    SUGGESTIONS_PER_HOUR: "1000",
    SUMMARY_THRESHOLD: "10000",
    LEADER_LEASE_TTL_MS: "1000",
  });
  // The first start creates the schema and the product; the others then start side by side.
  a = await deployment.start("a");
  [b, c] = await Promise.all([deployment.start("b"), deployment.start("c")]);
}, 120_000);

afterAll(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const s of streams.splice(0)) s.close();
  await deployment?.close();
  await fake?.close();
}, 60_000);

async function widget(instance: Instance, sessionId: string): Promise<WidgetClient> {
  const socket = await connectWidget(instance.url, { sessionId });
  sockets.push(socket);
  return socket;
}

const stream = (instance: Instance, sessionId: string, lastEventId?: number) => {
  const sub = subscribe(`${instance.url}/v1/stream/demo?session_id=${sessionId}`, lastEventId === undefined ? {} : { lastEventId });
  streams.push(sub);
  return sub;
};

async function push(instance: Instance, sessionId: string, titles: string[]): Promise<number> {
  const res = await pushEvent(instance.url, actionsEvent(sessionId, titles));
  return res.status;
}

describe("three instances on one PostgreSQL and one Redis", () => {
  it("a widget on A gets the suggestion for a push to B, and the reply to a message sent through C", async () => {
    const onA = await widget(a, "cl-suggest");
    const suggested = nextEvent(onA, "suggestion:created", () => true, 20_000);
    await pushActions(b.url, "cl-suggest", TEAM_PAGE);
    const suggestion = await suggested;
    expect(suggestion.sessionId).toBe("cl-suggest");
    // Acknowledged on A, recorded by B (which offered it): delivered.
    await waitFor(async () => {
      const rows = await deployment.db.query<{ status: string }>("SELECT status FROM suggestions WHERE id = $1", [suggestion.id]);
      return rows[0]?.status === "delivered";
    }, "the suggestion to be recorded as delivered", 15_000);

    // A second widget of the same session, connected to C, sends the message: C computes the reply.
    const onC = await widget(c, "cl-suggest");
    const created = recorder(onA, "message:created");
    const sent = expectOk(await command(onC, "message:send", { clientMessageId: "cl-1", text: "How do I invite someone?" }));
    expect(sent.conversationId).toBe(suggestion.conversationId);
    const reply = await created.until((m) => m.role === "assistant", 20_000);
    expect(reply.conversationId).toBe(suggestion.conversationId);
    expect(reply.text).toBe("Open Settings, then Team, and type their email.");
    expect(created.seen.find((m) => m.role === "user")?.text).toBe("How do I invite someone?");
  });

  it("replies to one conversation take turns across instances: questions sent through A and C at once never interleave", async () => {
    const observer = await widget(b, "cl-turns");
    const onA = await widget(a, "cl-turns");
    const onC = await widget(c, "cl-turns");
    // The conversation exists before the two questions race.
    expectOk(await command(onA, "message:send", { clientMessageId: "t-0", text: "hello" }));
    await recorder(observer, "message:created").until((m) => m.role === "assistant", 20_000);
    const frames: { kind: "delta" | "created"; id: string }[] = [];
    observer.on("message:delta", (d) => frames.push({ kind: "delta", id: d.id }));
    observer.on("message:created", (m) => m.role === "assistant" && frames.push({ kind: "created", id: m.id }));
    const before = fake.requests.length;
    await Promise.all([
      command(onA, "message:send", { clientMessageId: "t-1", text: `first, ${SLOW_REPLY}` }),
      command(onC, "message:send", { clientMessageId: "t-2", text: `second, ${SLOW_REPLY}` }),
    ]);
    await waitFor(() => frames.filter((f) => f.kind === "created").length === 2, "both replies", 20_000);
    // Each reply's deltas, then its message; the other reply starts only after that.
    const ids = [...new Set(frames.map((f) => f.id))];
    expect(ids).toHaveLength(2);
    expect(frames).toEqual([
      ...Array.from({ length: 4 }, () => ({ kind: "delta", id: ids[0] })),
      { kind: "created", id: ids[0] },
      ...Array.from({ length: 4 }, () => ({ kind: "delta", id: ids[1] })),
      { kind: "created", id: ids[1] },
    ]);
    expect(maxOverlap(fake.requests.slice(before).filter((r) => r.body.stream))).toBe(1);
  });

  it("a verified widget on A that follows its user moves into the session where the user is active on B", async () => {
    const carol = { userId: "cl-carol", userHash: userHash("cl-carol") };
    const follower = widgetClient(a.url, carol);
    sockets.push(follower);
    const bound = recorder(follower, "session:bound");
    await new Promise<void>((resolve, reject) => {
      follower.once("connect", () => resolve());
      follower.once("connect_error", reject);
      follower.connect();
    });
    await bound.until();
    // A trusted source (the signed push webhook) names the user of a session, through instance B.
    const actions = [{ type: "pageview", title: "Page Load: Team", description: "User opened the team settings", canonical_url: "https://acme.test/settings/team", timestamp_start: Date.now() / 1000 }];
    expect((await pushEvent(b.url, { type: "actions", session_id: "cl-follow-1", user_id: "cl-carol", actions })).status).toBe(202);
    expect(await bound.until((e) => e.sessionId === "cl-follow-1", 15_000)).toEqual({ sessionId: "cl-follow-1", reason: "followed" });
  });

  it("a stream subscriber on A sees events ingested on B and C, and resumes on C with no loss or repeat", async () => {
    const onA = stream(a, "cl-stream");
    await waitFor(() => onA.opens() > 0, "the stream on A to open");
    const first = Array.from({ length: 20 }, (_, i) => `s1-${i}`);
    for (const [i, title] of first.entries()) expect(await push(i % 2 === 0 ? b : c, "cl-stream", [title])).toBe(202);
    await onA.untilEvents(first.length, 20_000);
    expect(onA.events.flatMap((e) => titlesOf(e.data))).toEqual(first);
    const ids = onA.events.map((e) => e.id);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    onA.close();

    // While nobody listens, more commits on B and C; then C resumes from the last id A delivered.
    const missed = Array.from({ length: 10 }, (_, i) => `s2-${i}`);
    for (const [i, title] of missed.entries()) expect(await push(i % 2 === 0 ? c : b, "cl-stream", [title])).toBe(202);
    const onC = stream(c, "cl-stream", ids.at(-1)!);
    await onC.untilEvents(missed.length, 20_000);
    const live = Array.from({ length: 6 }, (_, i) => `s3-${i}`);
    for (const [i, title] of live.entries()) expect(await push(i % 2 === 0 ? a : b, "cl-stream", [title])).toBe(202);
    await onC.untilEvents(missed.length + live.length, 20_000);
    // Give a repeat the chance to show up before the exact comparison.
    await sleep(300);
    expect(onC.events.flatMap((e) => titlesOf(e.data))).toEqual([...missed, ...live]);
    const resumedIds = onC.events.map((e) => e.id);
    expect(resumedIds[0]).toBeGreaterThan(ids.at(-1)!);
    expect([...resumedIds].sort((x, y) => x - y)).toEqual(resumedIds);
    expect(new Set(resumedIds).size).toBe(resumedIds.length);
  });

  it("a burst to one session spread over all three instances makes at most one model call at a time", async () => {
    const marker = "cl-burst-marker";
    const ofBurst = (r: RecordedRequest) => JSON.stringify(r.body.messages ?? []).includes(marker);
    const instances = [a, b, c];
    for (let i = 0; i < 24; i++) {
      // Actions of now (older ones are stale: nothing is suggested for them).
      await pushActions(instances[i % 3]!.url, "cl-burst", [{ url: "https://acme.test/settings/team", title: `${marker} step ${i}` }]);
      await sleep(40);
    }
    // Every instance received activity for the session, so each evaluates it (now or after the holder).
    await waitFor(() => fake.requests.filter(ofBurst).length >= 3, "evaluations of the burst on several instances", 30_000);
    await waitFor(() => fake.requests.filter(ofBurst).every((r) => r.endedAt !== undefined), "the burst's model calls to end", 30_000);
    await sleep(2 * SUGGESTION_CALL_MS);
    await waitFor(() => fake.requests.filter(ofBurst).every((r) => r.endedAt !== undefined), "late model calls to end", 30_000);
    const calls = fake.requests.filter(ofBurst);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(maxOverlap(calls)).toBe(1);
  });

  it("SIGKILL of an instance mid-burst loses no acknowledged payload; its widget resumes on another and sync fills the gap", async () => {
    // A widget on C with a conversation: one exchange it saw.
    const onC = await widget(c, "cl-kill");
    const seenOnC = recorder(onC, "message:created");
    expectOk(await command(onC, "message:send", { clientMessageId: "k-1", text: "first question" }));
    const lastSeen = await seenOnC.until((m) => m.role === "assistant", 20_000);

    // A burst of pushes to C, killed part-way.
    const acknowledged: string[] = [];
    let sent = 0;
    const burst = async () => {
      for (;;) {
        const title = `kill-${sent++}`;
        const body = JSON.stringify(actionsEvent("cl-kill-burst", [title]));
        try {
          const res = await fetch(`${c.url}/v1/webhooks/actions`, { method: "POST", headers: pilotlightHeaders(body), body });
          if (res.status === 202) acknowledged.push(title);
          await res.arrayBuffer();
        } catch {
          return; // the instance is gone
        }
      }
    };
    const senders = Promise.all([burst(), burst(), burst(), burst()]);
    await waitFor(() => acknowledged.length >= 40, "part of the burst acknowledged", 20_000);
    const disconnected = new Promise<void>((resolve) => onC.once("disconnect", () => resolve()));
    c.child.kill("SIGKILL");
    expect(await c.exited).toBe("SIGKILL");
    await senders;
    await disconnected;

    const stored = await deployment.db.query<{ title: string }>(
      "SELECT a.title FROM actions a JOIN sessions s ON s.id = a.session_ref WHERE s.session_key = $1",
      ["cl-kill-burst"],
    );
    const titles = new Set(stored.map((r) => r.title));
    expect(acknowledged.filter((t) => !titles.has(t))).toEqual([]);

    // Meanwhile the conversation goes on through A.
    const onA = await widget(a, "cl-kill");
    const seenOnA = recorder(onA, "message:created");
    expectOk(await command(onA, "message:send", { clientMessageId: "k-2", text: "second question" }));
    await seenOnA.until((m) => m.role === "assistant" && m.seq > lastSeen.seq, 20_000);

    // The widget that was on C comes back on B and asks for what it missed.
    const back = await widget(b, "cl-kill");
    const synced = expectOk(await command(back, "conversation:sync", { afterSeq: lastSeen.seq }));
    const missed: Pick<MessageCreated, "role" | "text">[] = synced.messages.map((m) => ({ role: m.role, text: m.text }));
    expect(missed).toEqual([
      { role: "user", text: "second question" },
      { role: "assistant", text: "Open Settings, then Team, and type their email." },
    ]);
    expect(synced.messages.map((m) => m.seq)).toEqual([lastSeen.seq + 1, lastSeen.seq + 2]);
  });
});

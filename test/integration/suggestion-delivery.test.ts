/**
 * Honest delivery (PROTOCOL.md §3.3): a suggestion is `delivered` only when a widget of its session or user
 * acknowledged it; otherwise `pending`, shown when such a widget connects within SUGGESTION_TTL_S, then
 * `expired`. The admin API and the metrics report the three states. An injected clock decides expiry.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminStatsResponse, AdminSuggestionsResponse } from "../../server/contracts/admin.js";
import { createManualClock } from "../helpers/clock.js";
import { sampleValue, scrape } from "../helpers/metrics-text.js";
import { adminHeaders } from "../helpers/signing.js";
import { pushActions, recordDecisions, TEAM_PAGE } from "../helpers/suggestions.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";
import { command, expectOk, record, recorder, userHash, widgetClient } from "../helpers/widget-client.js";

const TTL_S = 600;
const clock = createManualClock();

let server: TestServer;
let decisions: ReturnType<typeof recordDecisions>;
beforeAll(async () => {
  server = await startTestServer({
    clock,
    env: { SUGGEST_DEBOUNCE_MS: "0", SUGGEST_MAX_WAIT_MS: "0", DWELL_MS: "3600000", SUGGESTION_TTL_S: String(TTL_S) },
  });
  decisions = recordDecisions(server.suggestions);
});
afterAll(async () => {
  await server.close();
});

const statusOf = async (id: number) => (await server.repos.suggestions.findById(id))?.status;

/** Pushes the team page for a session nobody watches: the rules model suggests; resolves with its id. */
async function suggestUnwatched(sessionId: string, userId?: string): Promise<number> {
  const decided = decisions.next({ sessionId, outcome: "delivered" });
  if (userId) {
    const { pushEvent } = await import("../helpers/signing.js");
    const t = clock.now() / 1000;
    await pushEvent(server.url, { type: "actions", session_id: sessionId, user_id: userId, actions: [{ ...teamAction, timestamp_start: t }] }, "connector");
  } else {
    await pushActions(server.url, sessionId, TEAM_PAGE, clock.now());
  }
  return (await decided).suggestionId!;
}
const teamAction = { type: "pageview", title: "Page Load: Team", description: "User opened the team settings", canonical_url: "https://acme.test/settings/team" };

/**
 * Connects a widget and waits until the server has said everything it says on connect (the sync ack comes
 * after the connect-time emits on the same socket), recording suggestions from the first packet.
 */
async function connectSettled(auth: Parameters<typeof widgetClient>[1], ack = true) {
  const socket = widgetClient(server.url, auth, { ackSuggestions: ack });
  const suggestions = recorder(socket, "suggestion:created");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
    socket.connect();
  });
  expectOk(await command(socket, "conversation:sync", { afterSeq: 0 }));
  return { socket, suggestions };
}

async function admin<T>(path: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, { headers: adminHeaders });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe("a suggestion for a session with no widget", () => {
  let id: number;
  beforeAll(async () => {
    id = await suggestUnwatched("dlv-later");
  });

  it("is pending, and no conversation is created for it yet", async () => {
    expect(await statusOf(id)).toBe("pending");
    const sessionRef = (await server.repos.sessions.idByKey("demo", "dlv-later"))!;
    expect(await server.repos.conversations.linkOf(sessionRef)).toBeUndefined();
  });

  it("is shown when a widget of the session connects within the TTL, and becomes delivered on its acknowledgement", async () => {
    clock.advance((TTL_S - 60) * 1000);
    const { socket, suggestions } = await connectSettled({ sessionId: "dlv-later" });
    const shown = await suggestions.until((s) => s.id === id);
    expect(shown.text).toContain("Type your teammate's email address.");
    const synced = expectOk(await command(socket, "conversation:sync", { afterSeq: 0 })).messages;
    expect(synced.map((m) => [m.role, m.suggestionId])).toEqual([["suggestion", id]]);
    await waitForStatus(id, "delivered");
    expect((await server.repos.suggestions.findById(id))?.deliveredAt).toBe(clock.now());
    // Feedback on it (pending when it was stored, shown later) works.
    expectOk(await command(socket, "suggestion:feedback", { suggestionId: id, verdict: "accepted" }));
    expect((await server.repos.suggestions.findById(id))?.feedback).toBe("accepted");
    socket.close();
  });

  it("is not shown twice: the next connect of the session brings only the thread", async () => {
    const { socket, suggestions } = await connectSettled({ sessionId: "dlv-later" });
    expect(suggestions.seen).toEqual([]);
    socket.close();
  });
});

describe("a pending suggestion past SUGGESTION_TTL_S", () => {
  it("expires: it is never shown, and the admin API and metrics say so", async () => {
    const id = await suggestUnwatched("dlv-expire");
    clock.advance(TTL_S * 1000 + 1);
    expect(await server.app.services.delivery.expireNow()).toBeGreaterThanOrEqual(1);
    expect(await statusOf(id)).toBe("expired");
    const { socket, suggestions } = await connectSettled({ sessionId: "dlv-expire" });
    expect(suggestions.seen).toEqual([]);
    socket.close();

    const list = await admin<AdminSuggestionsResponse>("/v1/admin/suggestions");
    expect(list.suggestions.find((s) => s.id === id)).toMatchObject({ status: "expired", delivered_at: null, outcome: null });
    const metrics = await scrape(server.url);
    expect(sampleValue(metrics, "pilotlight_suggestion_deliveries_total", { state: "expired" })).toBeGreaterThanOrEqual(1);
  });

  it("a widget connecting after the TTL but before the sweep does not see it either", async () => {
    const id = await suggestUnwatched("dlv-late");
    clock.advance(TTL_S * 1000 + 1);
    const { socket, suggestions } = await connectSettled({ sessionId: "dlv-late" });
    expect(suggestions.seen).toEqual([]);
    expect(await statusOf(id)).not.toBe("delivered");
    socket.close();
  });
});

describe("a widget that does not acknowledge", () => {
  it("leaves the suggestion pending although it was emitted; a later widget that acknowledges delivers it", async () => {
    const silent = await connectSettled({ sessionId: "dlv-silent" }, false);
    const id = await suggestUnwatched("dlv-silent");
    await silent.suggestions.until((s) => s.id === id);
    // The server waits for the acknowledgement with a timeout; the status stays pending meanwhile and after.
    expect(await statusOf(id)).toBe("pending");
    silent.socket.close();

    const acking = await connectSettled({ sessionId: "dlv-silent" });
    await acking.suggestions.until((s) => s.id === id);
    await waitForStatus(id, "delivered");
    // The message was stored once, when it was first emitted.
    const sessionRef = (await server.repos.sessions.idByKey("demo", "dlv-silent"))!;
    const conversation = (await server.repos.conversations.linkOf(sessionRef))!.conversationId;
    expect((await server.repos.messages.after(conversation, 0, 100)).filter((m) => m.suggestionId === id)).toHaveLength(1);
    acking.socket.close();
  });

  it("is delivered at once when a widget acknowledges", async () => {
    const { socket } = await connectSettled({ sessionId: "dlv-now" });
    const seen = record(socket, "suggestion:created");
    const id = await suggestUnwatched("dlv-now");
    await waitForStatus(id, "delivered");
    expect(seen.map((s) => s.id)).toEqual([id]);
    socket.close();
  });
});

describe("a suggestion for a verified user's session", () => {
  it("is shown to that user's widget on another session (a widget of that user), never to someone else's", async () => {
    const id = await suggestUnwatched("dlv-kim-connector", "kim");
    expect(await statusOf(id)).toBe("pending");
    const stranger = await connectSettled({ sessionId: "dlv-stranger", userId: "lee", userHash: userHash("lee") });
    expect(stranger.suggestions.seen).toEqual([]);
    stranger.socket.close();
    const kim = await connectSettled({ sessionId: "dlv-kim-laptop", userId: "kim", userHash: userHash("kim") });
    expect((await kim.suggestions.until((s) => s.id === id)).sessionId).toBe("dlv-kim-connector");
    await waitForStatus(id, "delivered");
    kim.socket.close();
  });
});

describe("a suggestion for a verified user's session while that user's widget is elsewhere", () => {
  it("reaches the user's connected widget at once, and is delivered", async () => {
    const laptop = await connectSettled({ sessionId: "dlv-nia-laptop", userId: "nia", userHash: userHash("nia") });
    const id = await suggestUnwatched("dlv-nia-connector", "nia");
    expect((await laptop.suggestions.until((s) => s.id === id)).sessionId).toBe("dlv-nia-connector");
    await waitForStatus(id, "delivered");
    // It is in nia's thread: her widget may judge it; someone else's may not.
    const stranger = await connectSettled({ sessionId: "dlv-nia-stranger" });
    expect(await command(stranger.socket, "suggestion:feedback", { suggestionId: id, verdict: "accepted" })).toMatchObject({ ok: false, error: { code: "unknown_suggestion" } });
    expectOk(await command(laptop.socket, "suggestion:feedback", { suggestionId: id, verdict: "accepted" }));
    expect((await server.repos.suggestions.findById(id))?.feedback).toBe("accepted");
    stranger.socket.close();
    laptop.socket.close();
  });
});

describe("admin and metrics", () => {
  it("stats and metrics count delivered, pending and expired", async () => {
    await suggestUnwatched("dlv-stats-pending");
    const stats = await admin<AdminStatsResponse>("/v1/admin/stats?minutes=1440&bucket_s=3600");
    expect(stats.totals.delivery.delivered).toBeGreaterThanOrEqual(3);
    expect(stats.totals.delivery.pending).toBeGreaterThanOrEqual(1);
    expect(stats.totals.delivery.expired).toBeGreaterThanOrEqual(1);
    const metrics = await scrape(server.url);
    expect(sampleValue(metrics, "pilotlight_suggestion_deliveries_total", { state: "delivered" })).toBeGreaterThanOrEqual(3);
    expect(sampleValue(metrics, "pilotlight_suggestion_deliveries_total", { state: "pending" })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(metrics, "pilotlight_suggestions_pending")).toBeGreaterThanOrEqual(1);
  });
});

async function waitForStatus(id: number, status: string) {
  let last: string | undefined;
  return waitFor(async () => (last = await statusOf(id)) === status, () => `suggestion ${id} to be ${status} (it is ${last})`);
}

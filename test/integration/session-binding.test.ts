/**
 * Binding every source's sessions to the right widget (PROTOCOL.md §3.3): a widget that names a PostHog or
 * connector session gets that session's suggestions; a verified widget that names none is bound to its
 * user's most recently active session and follows a newer one; PostHog's fallback key is a keyed HMAC and
 * only identified persons own sessions.
 */
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureJson } from "../helpers/fixtures.js";
import { rowCounts } from "../helpers/db-counts.js";
import { pushActions, TEAM_PAGE } from "../helpers/suggestions.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { command, connectWidget, expectOk, nextEvent, recorder, refusedConnection, userHash, widgetClient } from "../helpers/widget-client.js";

const alice = { userId: "alice", userHash: userHash("alice") };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { SUGGEST_DEBOUNCE_MS: "0", SUGGEST_MAX_WAIT_MS: "0", GATE_COOLDOWN_MS: "0", GATE_INTERACTION_TIMEOUT_MS: "0" } });
});
afterAll(async () => {
  await server.close();
});

const fixture = () => fixtureJson<{ event: Record<string, any>; person: Record<string, any> }>("posthog-autocapture.json");

/** A PostHog webhook delivery of a team-page view: anonymous unless `identified`. */
function posthogPageview(distinctId: string, sessionId: string | null, identified = false) {
  const f = fixture();
  return {
    ...f,
    event: {
      ...f.event,
      uuid: crypto.randomUUID(),
      event: "$pageview",
      distinct_id: distinctId,
      timestamp: new Date().toISOString(),
      elements_chain: "",
      properties: {
        $current_url: "https://app.example.com/settings/team",
        title: "Team · Acme",
        ...(sessionId ? { $session_id: sessionId } : {}),
        $device_id: identified ? "0193a1b2-aaaa-7000-8000-000000000001" : distinctId,
        $is_identified: identified,
      },
    },
  };
}

async function postPosthog(body: unknown) {
  const res = await fetch(`${server.url}/v1/webhooks/posthog`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-posthog-secret": TEST_SECRETS.POSTHOG_SECRET },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** A verified widget that names no session, with its session:bound events recorded from the start. */
async function follower(identity: { userId: string; userHash: string }) {
  const socket = widgetClient(server.url, identity);
  const bound = recorder(socket, "session:bound");
  const suggestions = recorder(socket, "suggestion:created");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
    socket.connect();
  });
  return { socket, bound, suggestions };
}

describe("a widget bound to a source's session id", () => {
  it("gets the suggestion for a PostHog session it names (anonymous visitor)", async () => {
    const posthogSession = "0193a1b2-0000-7000-8000-0000000000b1";
    const socket = await connectWidget(server.url, { sessionId: posthogSession });
    const shown = nextEvent(socket, "suggestion:created");
    expect(await postPosthog(posthogPageview("0193a1b2-anon-7000-8000-000000000001", posthogSession))).toMatchObject({ status: 202 });
    expect((await shown).text).toContain("Type your teammate's email address.");
    expect((await server.repos.sessions.findByKey("demo", posthogSession))?.ownerId).toBeNull();
    socket.close();
  });

  it("announces the session it is bound to (session:bound, reason named)", async () => {
    const socket = widgetClient(server.url, { sessionId: "named-one" });
    const bound = nextEvent(socket, "session:bound");
    socket.connect();
    expect(await bound).toEqual({ sessionId: "named-one", reason: "named" });
    socket.close();
  });
});

describe("PostHog identities", () => {
  it("an identified person's events own the session; an anonymous distinct_id owns nothing", async () => {
    await postPosthog(posthogPageview("0193a1b2-anon-7000-8000-000000000002", "ph-anon-session"));
    expect(await server.repos.sessions.findByKey("demo", "ph-anon-session")).toMatchObject({ ownerId: null });
    await postPosthog(posthogPageview("grace", "ph-grace-session", true));
    expect(await server.repos.sessions.findByKey("demo", "ph-grace-session")).toMatchObject({ ownerId: "grace" });
    expect((await refusedConnection(server.url, { sessionId: "ph-grace-session" })).code).toBe("session_forbidden");
  });

  it("drops the events of another identified person for an owned session, and stores the rest of the batch", async () => {
    const res = await postPosthog([posthogPageview("mallory", "ph-grace-session", true), posthogPageview("0193-anon-x", "ph-other-session")]);
    expect(res).toEqual({ status: 202, json: { accepted: 1, duplicates: 0, dropped: 1 } });
    expect(await server.repos.sessions.findByKey("demo", "ph-grace-session")).toMatchObject({ ownerId: "grace", actionCount: 1 });
    expect((await server.repos.sessions.findByKey("demo", "ph-other-session"))?.actionCount).toBe(1);
  });

  it("an event without $session_id is keyed by a keyed HMAC, never by the guessable distinct_id and date", async () => {
    const before = (await rowCounts(server.sql)).sessions!;
    expect((await postPosthog(posthogPageview("hank@example.com", null))).status).toBe(202);
    expect((await postPosthog(posthogPageview("hank@example.com", null))).status).toBe(202);
    expect((await rowCounts(server.sql)).sessions).toBe(before + 1); // one session per person and day
    const key = (await server.sql.value<string>("SELECT session_key FROM sessions ORDER BY id DESC LIMIT 1"))!;
    expect(key).toMatch(/^ph_[A-Za-z0-9_-]{43}$/);
    expect(key).not.toContain("hank");
    const day = new Date().toISOString().slice(0, 10);
    expect(await server.repos.sessions.findByKey("demo", `ph_hank@example.com_${day}`)).toBeUndefined();
  });
});

describe("a verified widget that names no session", () => {
  it("an anonymous widget must name one", async () => {
    const refused = await refusedConnection(server.url, {});
    expect(refused.code).toBe("invalid_auth");
    expect(refused.message).toMatch(/sessionId/);
  });

  it("with no active session gets a fresh random session it owns", async () => {
    const ivy = { userId: "ivy", userHash: userHash("ivy") };
    const f = await follower(ivy);
    const bound = await f.bound.until();
    expect(bound.reason).toBe("new");
    expect(bound.sessionId).toMatch(/^ps_[0-9a-f]{32}$/);
    expect((await server.repos.sessions.findByKey("demo", bound.sessionId))?.ownerId).toBe("ivy");
    f.socket.close();
  });

  it("is bound to the user's most recently active session and gets its suggestions", async () => {
    await pushOwned("conn-alice-1", "alice", [{ url: "/dashboard", title: "Page Load: Dashboard" }]);
    const f = await follower(alice);
    expect(await f.bound.until()).toEqual({ sessionId: "conn-alice-1", reason: "active" });
    await pushOwned("conn-alice-1", "alice", TEAM_PAGE);
    expect((await f.suggestions.until()).sessionId).toBe("conn-alice-1");
    f.socket.close();
  });

  it("follows the user to a newer active session: a push keyed by another session of that user", async () => {
    const f = await follower(alice);
    await f.bound.until();
    await pushOwned("conn-alice-2", "alice", TEAM_PAGE);
    expect(await f.bound.until((b) => b.sessionId === "conn-alice-2")).toEqual({ sessionId: "conn-alice-2", reason: "followed" });
    const suggestion = await f.suggestions.until((s) => s.sessionId === "conn-alice-2");
    expect(suggestion.text).toContain("Type your teammate's email address.");
    // Chat from the follower now uses the session it follows.
    const sent = expectOk(await command(f.socket, "message:send", { clientMessageId: "follow-1", text: "where am I?" }));
    const link = await server.repos.conversations.linkOf((await server.repos.sessions.idByKey("demo", "conn-alice-2"))!);
    expect(link?.conversationId).toBe(sent.conversationId);
    f.socket.close();
  });

  it("does not follow another user's activity", async () => {
    const f = await follower(alice);
    await f.bound.until();
    await pushOwned("conn-bob-1", "bob", TEAM_PAGE);
    await pushOwned("conn-alice-3", "alice", [{ url: "/reports", title: "Page Load: Reports" }]);
    await f.bound.until((b) => b.sessionId === "conn-alice-3");
    expect(f.bound.seen.map((b) => b.sessionId)).not.toContain("conn-bob-1");
    f.socket.close();
  });
});

/** Pushes actions for a session on behalf of a user (a trusted source: the push webhook). */
async function pushOwned(sessionId: string, userId: string, specs: Parameters<typeof pushActions>[2]) {
  const { pushEvent } = await import("../helpers/signing.js");
  const actions = specs.map((s, i) => ({
    type: s.type ?? "pageview",
    title: s.title ?? `Page Load: ${s.url}`,
    description: s.description ?? s.title ?? `User landed on ${s.url}`,
    canonical_url: s.url,
    timestamp_start: Date.now() / 1000 + i * 0.001 + Math.random() / 1000,
  }));
  const res = await pushEvent(server.url, { type: "actions", session_id: sessionId, user_id: userId, actions });
  if (res.status !== 202) throw new Error(`push failed: ${res.status} ${JSON.stringify(res.body)}`);
}

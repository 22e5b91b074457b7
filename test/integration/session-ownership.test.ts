/**
 * Ownership (PROTOCOL.md §3.3), attacked the way a hostile party would: with real sockets, two verified
 * users (alice, bob) and anonymous visitors. Every refusal is checked for what it must not leak or change.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOWED_ORIGIN, batch, rawEvent, sendCapture } from "../helpers/capture.js";
import { rowCounts } from "../helpers/db-counts.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai.js";
import { pushEvent } from "../helpers/signing.js";
import { deliverTestSuggestion } from "../helpers/suggestions.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { ask, command, connectWidget, expectOk, nextEvent, record, refusedConnection, userHash, widgetClient } from "../helpers/widget-client.js";

const alice = { userId: "alice", userHash: userHash("alice") };
const bob = { userId: "bob", userHash: userHash("bob") };

let server: TestServer;
let fake: FakeOpenAI;
beforeAll(async () => {
  // Chat answers from a fake LLM so the prompt a user's question produces can be read; no proactive suggestions.
  fake = await startFakeOpenAI({ default: { kind: "reply", text: "Happy to help." } });
  server = await startTestServer({
    env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: "sk-test", LLM_MAX_RETRIES: "0", SUGGESTIONS_ENABLED: "false", ALLOWED_ORIGINS: "*" },
  });
});
afterAll(async () => {
  await server.close();
  await fake.close();
});

/** Tries a handshake and closes the socket, whether it was accepted or refused. */
async function attempt(auth: Parameters<typeof widgetClient>[1]): Promise<void> {
  const socket = widgetClient(server.url, auth);
  await new Promise<void>((resolve) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", () => resolve());
    socket.connect();
  });
  socket.close();
}

const session = async (key: string) => await server.repos.sessions.findByKey("demo", key);
const indexOf = async (userId: string) => (await server.repos.userSessions.recent("demo", userId, 0, 100)).map((s) => s.sessionId);

/** A verified widget that has chatted: its session, conversation and token. */
async function chattingWidget(sessionId: string, identity: { userId: string; userHash: string } | Record<string, never>, text: string) {
  const socket = await connectWidget(server.url, { sessionId, ...identity });
  const linked = nextEvent(socket, "conversation:linked");
  await ask(socket, text);
  return { socket, ...(await linked) };
}

const teamPage = (sessionId: string, extra: Record<string, unknown> = {}) => ({
  type: "actions",
  session_id: sessionId,
  actions: [{ type: "pageview", title: "Page Load: Secret project", description: "User opened the secret acquisition plan", canonical_url: "/projects/acquisition", timestamp_start: Date.now() / 1000 }],
  ...extra,
});

describe("a verified user's session cannot be entered by naming its id", () => {
  let thread: Awaited<ReturnType<typeof chattingWidget>>;
  beforeAll(async () => {
    thread = await chattingWidget("own-alice", alice, "alice's private question");
  });
  afterAll(() => thread.socket.close());

  it("an anonymous socket naming alice's sessionId is refused: no link, no token, no thread, nothing posted", async () => {
    const live = record(thread.socket, "message:created");
    const before = await rowCounts(server.sql);
    const refused = await refusedConnection(server.url, { sessionId: "own-alice" });
    expect(refused.code).toBe("session_forbidden");
    expect(refused.message).toMatch(/belongs to another user/);
    expect(await rowCounts(server.sql)).toEqual(before);
    // Alice's thread is untouched and she saw nothing new.
    expect((await server.repos.messages.after(thread.conversationId, 0, 100)).map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(live).toEqual([]);
  });

  it("bob naming alice's sessionId is refused; the session stays alice's and never enters bob's index", async () => {
    const before = await rowCounts(server.sql);
    const refused = await refusedConnection(server.url, { sessionId: "own-alice", ...bob });
    expect(refused.code).toBe("session_forbidden");
    expect(await rowCounts(server.sql)).toEqual(before);
    expect(await session("own-alice")).toMatchObject({ ownerId: "alice", userId: "alice" });
    expect(await indexOf("bob")).not.toContain("own-alice");
    expect((await server.repos.conversations.findById(thread.conversationId))?.userId).toBe("alice");
  });

  it("bob cannot pull alice's session into his chat look-back: her actions never reach his prompt", async () => {
    await pushEvent(server.url, teamPage("own-alice"));
    // The attack: name her session once (whatever the server answers), then ask from his own session.
    await attempt({ sessionId: "own-alice", ...bob });
    const bobSocket = await connectWidget(server.url, { sessionId: "own-bob", ...bob });
    await ask(bobSocket, "what have I been doing?");
    const prompt = JSON.stringify(fake.requests.at(-1)!.body.messages);
    expect(prompt).toContain("what have I been doing?");
    expect(prompt).not.toContain("Secret project");
    expect(prompt).not.toContain("own-alice");
    bobSocket.close();
  });

  it("a genuine token of alice's conversation lets neither an anonymous socket nor bob in", async () => {
    const { conversationId, conversationToken } = thread;
    for (const identity of [{}, bob]) {
      const refused = await refusedConnection(server.url, { sessionId: `token-thief-${identity === bob ? "bob" : "anon"}`, conversationId, conversationToken, ...identity });
      expect(refused.code).toBe("invalid_conversation_token");
    }
  });

  it("alice herself, on another device, gets her thread", async () => {
    const phone = await connectWidget(server.url, { sessionId: "own-alice-phone", ...alice });
    const history = expectOk(await command(phone, "conversation:sync", { afterSeq: 0 })).messages;
    expect(history[0]?.text).toBe("alice's private question");
    phone.close();
  });
});

describe("an anonymous visitor's thread", () => {
  it("bob cannot claim it by its session id; the visitor keeps it", async () => {
    const visitor = await chattingWidget("anon-visitor", {}, "visitor question");
    visitor.socket.close();
    const before = await rowCounts(server.sql);
    const refused = await refusedConnection(server.url, { sessionId: "anon-visitor", ...bob });
    expect(refused.code).toBe("session_forbidden");
    expect(refused.message).toMatch(/conversationToken/);
    expect(await rowCounts(server.sql)).toEqual(before);
    expect((await server.repos.conversations.findById(visitor.conversationId))?.userId).toBeNull();
    expect((await session("anon-visitor"))?.ownerId).toBeNull();
    expect(await indexOf("bob")).not.toContain("anon-visitor");

    const back = await connectWidget(server.url, { sessionId: "anon-visitor" });
    const history = expectOk(await command(back, "conversation:sync", { afterSeq: 0 })).messages;
    expect(history[0]?.text).toBe("visitor question");
    back.close();
  });

  it("is adopted when the visitor signs in with its conversationToken, and is theirs from then on", async () => {
    const visitor = await chattingWidget("anon-signing-in", {}, "before signing in");
    visitor.socket.close();
    const { conversationId, conversationToken } = visitor;
    const signedIn = await connectWidget(server.url, { sessionId: "anon-signing-in", conversationId, conversationToken, ...alice });
    const history = expectOk(await command(signedIn, "conversation:sync", { afterSeq: 0 })).messages;
    expect(history[0]?.text).toBe("before signing in");
    expect((await server.repos.conversations.findById(conversationId))?.userId).toBe("alice");
    expect((await session("anon-signing-in"))?.ownerId).toBe("alice");
    signedIn.close();

    // The tab's next person (anonymous again, or bob) gets nothing of it.
    expect((await refusedConnection(server.url, { sessionId: "anon-signing-in" })).code).toBe("session_forbidden");
    expect((await refusedConnection(server.url, { sessionId: "anon-fresh", conversationId, conversationToken })).code).toBe("invalid_conversation_token");
  });

  it("a token of one anonymous thread does not make bob the owner of another session's thread", async () => {
    const visitor = await chattingWidget("anon-other", {}, "other visitor");
    visitor.socket.close();
    const mine = await chattingWidget("anon-bobs-own", {}, "bob before login");
    mine.socket.close();
    // Bob presents the token of his own thread but names the visitor's session: refused.
    const refused = await refusedConnection(server.url, { sessionId: "anon-other", conversationId: mine.conversationId, conversationToken: mine.conversationToken, ...bob });
    expect(refused.code).toBe("session_forbidden");
    expect((await server.repos.conversations.findById(visitor.conversationId))?.userId).toBeNull();
  });
});

describe("owners come only from verified or trusted sources, and are never rewritten", () => {
  it("a push naming a user owns the session: that user's widget joins, anonymous and other users are refused", async () => {
    expect((await pushEvent(server.url, teamPage("pushed-carol", { user_id: "carol" }))).status).toBe(202);
    expect((await session("pushed-carol"))?.ownerId).toBe("carol");
    expect(await indexOf("carol")).toEqual(["pushed-carol"]);
    expect((await refusedConnection(server.url, { sessionId: "pushed-carol" })).code).toBe("session_forbidden");
    expect((await refusedConnection(server.url, { sessionId: "pushed-carol", ...bob })).code).toBe("session_forbidden");
    const carol = await connectWidget(server.url, { sessionId: "pushed-carol", userId: "carol", userHash: userHash("carol") });
    carol.close();
  });

  it("an anonymous widget already in a session is cut off when a trusted source gives the session to a user", async () => {
    const watcher = await connectWidget(server.url, { sessionId: "evict-me" });
    const gone = new Promise<string>((resolve) => watcher.once("disconnect", resolve));
    await pushEvent(server.url, teamPage("evict-me", { user_id: "olga" }));
    expect(await gone).toBe("io server disconnect");
    expect((await refusedConnection(server.url, { sessionId: "evict-me" })).code).toBe("session_forbidden");
  });

  it("an anonymous tab of an adopted thread is cut off when the visitor signs in elsewhere", async () => {
    const first = await chattingWidget("adopt-tab-1", {}, "anonymous thread");
    const second = await connectWidget(server.url, { sessionId: "adopt-tab-2", conversationId: first.conversationId, conversationToken: first.conversationToken });
    const gone = [second, first.socket].map((s) => new Promise<string>((resolve) => s.once("disconnect", resolve)));
    const signedIn = await connectWidget(server.url, { sessionId: "adopt-tab-1", conversationId: first.conversationId, conversationToken: first.conversationToken, ...alice });
    expect(await Promise.all(gone)).toEqual(["io server disconnect", "io server disconnect"]);
    signedIn.close();
  });

  it("a push naming another user for an owned session is refused with 409 and stores nothing", async () => {
    await connectWidget(server.url, { sessionId: "owned-by-alice", ...alice }).then((s) => s.close());
    const before = await rowCounts(server.sql);
    const res = await pushEvent(server.url, teamPage("owned-by-alice", { user_id: "bob" }));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: "session_owner_conflict" } });
    expect(await rowCounts(server.sql)).toEqual(before);
    expect(await session("owned-by-alice")).toMatchObject({ ownerId: "alice" });
    expect(await indexOf("bob")).not.toContain("owned-by-alice");
  });

  it("a verified user is refused from a session a trusted source gave to someone else", async () => {
    await pushEvent(server.url, teamPage("pushed-dave", { user_id: "dave" }));
    expect((await refusedConnection(server.url, { sessionId: "pushed-dave", ...alice })).code).toBe("session_forbidden");
    expect((await session("pushed-dave"))?.ownerId).toBe("dave");
  });

  it("capture's public key claims no owner: a user_id without userHash is only a label", async () => {
    const res = await sendCapture(server.url, batch("cap-claim", [rawEvent("pageview", `${ALLOWED_ORIGIN}/settings/team`)], { user_id: "alice" }));
    expect(res.status).toBe(202);
    expect(await session("cap-claim")).toMatchObject({ ownerId: null, userId: "alice" });
    expect(await indexOf("alice")).not.toContain("cap-claim");
    // An anonymous widget holding the id still joins: nobody owns it.
    (await connectWidget(server.url, { sessionId: "cap-claim" })).close();
    // …and the claim cannot steal a verified session either.
    const stolen = await sendCapture(server.url, batch("own-alice", [rawEvent("pageview", `${ALLOWED_ORIGIN}/dashboard`)], { user_id: "mallory" }));
    expect(stolen.status).toBe(202);
    expect(await session("own-alice")).toMatchObject({ ownerId: "alice", userId: "alice" });
  });

  it("capture with a valid userHash owns the session; a wrong one is refused with 401 storing nothing", async () => {
    const good = await sendCapture(server.url, batch("cap-verified", [rawEvent("pageview", `${ALLOWED_ORIGIN}/dashboard`)], { user_id: "erin", user_hash: userHash("erin") }));
    expect(good.status).toBe(202);
    expect((await session("cap-verified"))?.ownerId).toBe("erin");
    expect(await indexOf("erin")).toEqual(["cap-verified"]);

    const before = await rowCounts(server.sql);
    const bad = await sendCapture(server.url, batch("cap-forged", [rawEvent("pageview", `${ALLOWED_ORIGIN}/dashboard`)], { user_id: "erin", user_hash: userHash("mallory") }));
    expect(bad.status).toBe(401);
    expect(bad.json.error).toMatchObject({ code: "invalid_user_hash" });
    const lonely = await sendCapture(server.url, batch("cap-forged", [rawEvent("pageview", `${ALLOWED_ORIGIN}/dashboard`)], { user_hash: userHash("erin") }));
    expect(lonely.status).toBe(422);
    expect(await rowCounts(server.sql)).toEqual(before);
  });

  it("capture with a valid userHash of another user than the owner is refused with 409", async () => {
    const before = await rowCounts(server.sql);
    const res = await sendCapture(server.url, batch("own-alice", [rawEvent("pageview", `${ALLOWED_ORIGIN}/reports`)], { user_id: "bob", user_hash: userHash("bob") }));
    expect(res.status).toBe(409);
    expect(await rowCounts(server.sql)).toEqual(before);
  });
});

describe("conversations created for a verified user's session belong to that user", () => {
  const frank = { userId: "frank", userHash: userHash("frank") };

  it("a thread a suggestion started follows the user to a second device", async () => {
    const laptop = await connectWidget(server.url, { sessionId: "sugg-laptop", ...frank });
    const linked = nextEvent(laptop, "conversation:linked");
    const shown = nextEvent(laptop, "suggestion:created");
    await deliverTestSuggestion(server, "sugg-laptop", "Try the Export CSV button.");
    const { conversationId } = await linked;
    await shown;
    expect((await server.repos.conversations.findById(conversationId))?.userId).toBe("frank");
    laptop.close();

    const phone = widgetClient(server.url, { sessionId: "sugg-phone", ...frank });
    const phoneLinked = nextEvent(phone, "conversation:linked");
    phone.connect();
    expect((await phoneLinked).conversationId).toBe(conversationId);
    const history = expectOk(await command(phone, "conversation:sync", { afterSeq: 0 })).messages;
    expect(history.map((m) => [m.role, m.text])).toEqual([["suggestion", "Try the Export CSV button."]]);
    phone.close();
  });
});

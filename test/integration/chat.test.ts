import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageCreated } from "../../server/contracts/realtime.js";
import { pushEvent } from "../helpers/signing.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { deliverTestSuggestion } from "../helpers/suggestions.js";
import { ask, command, connectWidget, expectOk, nextEvent, record, userHash, widgetClient } from "../helpers/widget-client.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const publish = (sessionId: string, text: string) => deliverTestSuggestion(server, sessionId, text);

describe("realtime: suggestions and messages reach only their own conversation", () => {
  it("alice and bob each get only their own suggestions and messages", async () => {
    const alice = await connectWidget(server.url, { sessionId: "iso-alice" });
    const bob = await connectWidget(server.url, { sessionId: "iso-bob" });
    const aliceSaw = record(alice, "suggestion:created");
    const bobSaw = record(bob, "suggestion:created");
    const aliceMessages = record(alice, "message:created");
    const bobMessages = record(bob, "message:created");

    const aliceGot = nextEvent(alice, "suggestion:created");
    await publish("iso-alice", "for alice");
    await aliceGot;
    const bobGot = nextEvent(bob, "suggestion:created");
    await publish("iso-bob", "for bob");
    await bobGot;
    await ask(alice, "alice asks");
    await ask(bob, "bob asks");

    expect(aliceSaw.map((s) => s.text)).toEqual(["for alice"]);
    expect(bobSaw.map((s) => s.text)).toEqual(["for bob"]);
    expect(aliceMessages.some((m) => m.text.includes("bob"))).toBe(false);
    expect(bobMessages.some((m) => m.text.includes("alice"))).toBe(false);
    const aliceConv = aliceMessages[0]!.conversationId;
    expect(aliceMessages.every((m) => m.conversationId === aliceConv)).toBe(true);
    expect(bobMessages.every((m) => m.conversationId !== aliceConv)).toBe(true);
    alice.close();
    bob.close();
  });

  it("creates the conversation on the first suggestion and announces the link first", async () => {
    const socket = await connectWidget(server.url, { sessionId: "first-suggestion" });
    const order: string[] = [];
    socket.on("conversation:linked", () => order.push("linked"));
    socket.on("suggestion:created", () => order.push("suggestion"));
    socket.on("message:created", () => order.push("message"));
    const got = nextEvent(socket, "message:created");
    const id = await publish("first-suggestion", "Try the Export CSV button.");
    const message = await got;
    expect(order).toEqual(["linked", "suggestion", "message"]);
    expect(message).toMatchObject({ role: "suggestion", seq: 1, text: "Try the Export CSV button.", suggestionId: id });
    socket.close();
  });
});

describe("message:send", () => {
  it("stores one message for the same clientMessageId sent twice", async () => {
    const socket = await connectWidget(server.url, { sessionId: "idem" });
    const first = expectOk(await command(socket, "message:send", { clientMessageId: "same", text: "hello" }));
    const second = expectOk(await command(socket, "message:send", { clientMessageId: "same", text: "hello" }));
    expect(second).toEqual(first);
    await server.app.services.chat.drain();
    const synced = expectOk(await command(socket, "conversation:sync", { afterSeq: 0 }));
    expect(synced.messages.filter((m) => m.role === "user")).toHaveLength(1);
    expect(synced.messages.filter((m) => m.role === "assistant")).toHaveLength(1);
    socket.close();
  });

  it("streams the reply as ordered deltas and then the full message", async () => {
    const socket = await connectWidget(server.url, { sessionId: "stream" });
    const { reply, deltas } = await ask(socket, "hello there");
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((d) => d.delta).join("").trim()).toBe(reply.text);
    expect(reply.role).toBe("assistant");
    socket.close();
  });

  it("answers offline from the live context: the page, the workflow step and the next step", async () => {
    await pushEvent(server.url, {
      type: "actions",
      session_id: "live",
      actions: [
        { type: "pageview", title: "Page Load: Team", description: "User opened the team settings", canonical_url: "https://acme.test/settings/team", timestamp_start: 1 },
      ],
    });
    const socket = await connectWidget(server.url, { sessionId: "live" });
    const general = await ask(socket, "what should I do?");
    expect(general.reply.text).toContain("Settings › Team");
    expect(general.reply.text).toContain("Invite a teammate");
    expect(general.reply.text).toContain("Type your teammate's email address.");

    const howTo = await ask(socket, "how do I invite a teammate?");
    expect(howTo.reply.text).toContain("To invite a teammate:\n1. Open Settings → Team.\n2. Type your teammate's email address.\n3. Press 'Send invite'.");
    expect(howTo.reply.text).toContain("Next: Type your teammate's email address.");
    socket.close();
  });

  it("uses activity since the previous message", async () => {
    const socket = await connectWidget(server.url, { sessionId: "since" });
    await ask(socket, "hi");
    await pushEvent(server.url, {
      type: "actions",
      session_id: "since",
      actions: [{ type: "pageview", title: "Reports", description: "User opened reports", canonical_url: "/reports", timestamp_start: 5 }],
    });
    const { reply } = await ask(socket, "where am I?");
    expect(reply.text).toContain("Reports");
    socket.close();
  });
});

describe("message:send with a URL that does not decode", () => {
  it("still replies: a stray '%' in a page URL is shown as written (found by the fence fuzzing)", async () => {
    await pushEvent(server.url, {
      type: "actions",
      session_id: "bad-escape",
      actions: [{ type: "pageview", title: "Odd", description: "User opened an odd page", canonical_url: "/reports/100%/q3", timestamp_start: 5 }],
    });
    const socket = await connectWidget(server.url, { sessionId: "bad-escape" });
    const { reply } = await ask(socket, "where am I?");
    expect(reply.text).toContain("Reports › 100% › Q3");
    socket.close();
  });
});

describe("conversation:sync", () => {
  it("returns exactly what came after afterSeq, in order", async () => {
    const socket = await connectWidget(server.url, { sessionId: "sync" });
    expect(expectOk(await command(socket, "conversation:sync", { afterSeq: 0 }))).toEqual({ messages: [], hasMore: false });
    await ask(socket, "one");
    await publish("sync", "a suggestion");
    await ask(socket, "two");
    const all = expectOk(await command(socket, "conversation:sync", { afterSeq: 0 })).messages;
    expect(all.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all.map((m) => m.role)).toEqual(["user", "assistant", "suggestion", "user", "assistant"]);
    const tail = expectOk(await command(socket, "conversation:sync", { afterSeq: 3 })).messages;
    expect(tail).toEqual(all.slice(3));
    const page = expectOk(await command(socket, "conversation:sync", { afterSeq: 0, limit: 2 }));
    expect(page).toEqual({ messages: all.slice(0, 2), hasMore: true });
    socket.close();
  });
});

describe("many sessions, one conversation", () => {
  it("two tabs (sessions) of one conversation both receive a suggestion triggered by either", async () => {
    const tabA = await connectWidget(server.url, { sessionId: "tab-a" });
    const linked = nextEvent(tabA, "conversation:linked");
    await ask(tabA, "hello from tab A");
    const { conversationId, conversationToken } = await linked;

    const tabB = await connectWidget(server.url, { sessionId: "tab-b", conversationId, conversationToken });
    expect(await server.repos.conversations.linkOf((await server.repos.sessions.findByKey("demo", "tab-b"))!.id)).toMatchObject({ conversationId, kind: "resumed" });

    for (const [trigger, text] of [["tab-b", "from b"], ["tab-a", "from a"]] as const) {
      const a = nextEvent(tabA, "suggestion:created", (s) => s.text === text);
      const b = nextEvent(tabB, "suggestion:created", (s) => s.text === text);
      await publish(trigger, text);
      const [sa, sb] = await Promise.all([a, b]);
      expect(sa.conversationId).toBe(conversationId);
      expect(sb.sessionId).toBe(trigger);
    }
    const links = await server.repos.conversations.linksOf(conversationId);
    expect(links.map((l) => [l.sessionId, l.kind])).toEqual([
      ["tab-a", "new"],
      ["tab-b", "resumed"],
    ]);
    tabA.close();
    tabB.close();
  });

  it("links a verified user's new device to their conversation", async () => {
    const auth = { userId: "dana", userHash: userHash("dana") };
    const laptop = await connectWidget(server.url, { sessionId: "dana-laptop", ...auth });
    const linked = nextEvent(laptop, "conversation:linked");
    await ask(laptop, "hello");
    const { conversationId } = await linked;
    laptop.close();

    const phone = widgetClient(server.url, { sessionId: "dana-phone", ...auth });
    const phoneLinked = nextEvent(phone, "conversation:linked");
    phone.connect();
    expect((await phoneLinked).conversationId).toBe(conversationId);
    const link = await server.repos.conversations.linkOf((await server.repos.sessions.findByKey("demo", "dana-phone"))!.id);
    expect(link).toMatchObject({ conversationId, kind: "resumed" });
    const history = expectOk(await command(phone, "conversation:sync", { afterSeq: 0 })).messages;
    expect(history.map((m: MessageCreated) => m.text)[0]).toBe("hello");
    phone.close();
  });
});

describe("GET /v1/conversations/:conversationId (admin)", () => {
  it("shows the thread, its linked sessions and the latest session's context; 404 for an unknown one; 401 without the token", async () => {
    const { adminHeaders } = await import("../helpers/signing.js");
    const socket = await connectWidget(server.url, { sessionId: "admin-conv" });
    const linked = nextEvent(socket, "conversation:linked");
    await ask(socket, "hello admin");
    const { conversationId } = await linked;
    socket.close();

    const res = await fetch(`${server.url}/v1/conversations/${conversationId}`, { headers: adminHeaders });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { sessions: { session_id: string; link_kind: string }[]; messages: { role: string; text: string }[]; context: { session_id: string } };
    expect(body.sessions).toEqual([expect.objectContaining({ session_id: "admin-conv", link_kind: "new" })]);
    expect(body.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(body.messages[0]!.text).toBe("hello admin");
    expect(body.context.session_id).toBe("admin-conv");

    const session = (await (await fetch(`${server.url}/v1/sessions/admin-conv/context`, { headers: adminHeaders })).json()) as { conversation: { conversation_id: string } };
    expect(session.conversation.conversation_id).toBe(conversationId);

    expect((await fetch(`${server.url}/v1/conversations/cv_nope`, { headers: adminHeaders })).status).toBe(404);
    expect((await fetch(`${server.url}/v1/conversations/${conversationId}`)).status).toBe(401);
  });
});

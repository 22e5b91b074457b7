import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "../helpers/db-counts.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { command, connectWidget, expectOk, nextEvent, refusedConnection, userHash } from "../helpers/widget-client.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { ALLOWED_ORIGINS: "https://app.example.com" } });
});
afterAll(async () => {
  await server.close();
});

const origin = "https://app.example.com";

describe("widget handshake (namespace /widget)", () => {
  it("accepts a widget from an allowed origin without creating a conversation", async () => {
    const before = await rowCounts(server.sql);
    const socket = await connectWidget(server.url, { sessionId: "hs-ok" }, { origin });
    expect(socket.connected).toBe(true);
    socket.close();
    expect((await rowCounts(server.sql)).conversations).toBe(before.conversations);
  });

  const refusals: [string, Record<string, unknown>, string | undefined, string, RegExp][] = [
    ["a wrong product key", { sessionId: "hs-1", productKey: "pk_nope_nope" }, origin, "invalid_product_key", /unknown productKey/],
    ["a disallowed Origin", { sessionId: "hs-2" }, "https://evil.example", "origin_not_allowed", /origin https:\/\/evil\.example is not allowed: add it to ALLOWED_ORIGINS/],
    ["a missing sessionId", {}, origin, "invalid_auth", /sessionId/],
    ["a userId without userHash", { sessionId: "hs-3", userId: "alice" }, origin, "identity_required", /userHash/],
    ["a userId with a wrong userHash", { sessionId: "hs-4", userId: "alice", userHash: userHash("bob") }, origin, "invalid_user_hash", /does not match/],
    ["a userHash made with another secret", { sessionId: "hs-5", userId: "alice", userHash: userHash("alice", "x".repeat(32)) }, origin, "invalid_user_hash", /does not match/],
    ["a forged conversationToken", { sessionId: "hs-6", conversationId: "cv_made_up", conversationToken: "v1.forged" }, origin, "invalid_conversation_token", /not valid/],
    ["a conversationId without its token", { sessionId: "hs-7", conversationId: "cv_x" }, origin, "invalid_auth", /both conversationId and conversationToken/],
  ];

  for (const [name, auth, from, code, message] of refusals) {
    it(`refuses ${name} with a clear error and stores nothing`, async () => {
      const before = await rowCounts(server.sql);
      const error = await refusedConnection(server.url, auth, { origin: from });
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(await rowCounts(server.sql)).toEqual(before);
    });
  }

  it("refuses a genuine token of another conversation (a foreign token)", async () => {
    const alice = await connectWidget(server.url, { sessionId: "hs-alice" }, { origin });
    const linked = nextEvent(alice, "conversation:linked");
    expectOk(await command(alice, "message:send", { clientMessageId: "c1", text: "hello" }));
    const aliceConversation = await linked;
    alice.close();

    const bob = await connectWidget(server.url, { sessionId: "hs-bob" }, { origin });
    const bobLinked = nextEvent(bob, "conversation:linked");
    expectOk(await command(bob, "message:send", { clientMessageId: "c1", text: "hi" }));
    const bobConversation = await bobLinked;
    bob.close();

    const error = await refusedConnection(
      server.url,
      { sessionId: "hs-mallory", conversationId: aliceConversation.conversationId, conversationToken: bobConversation.conversationToken },
      { origin },
    );
    expect(error.code).toBe("invalid_conversation_token");
  });

  it("accepts a verified user and remembers their sessions", async () => {
    const socket = await connectWidget(server.url, { sessionId: "hs-verified", userId: "u-1", userHash: userHash("u-1") }, { origin });
    socket.close();
    const session = (await server.repos.sessions.findByKey("demo", "hs-verified"))!;
    expect(session.userId).toBe("u-1");
    expect((await server.repos.userSessions.recent("demo", "u-1", 0, 10)).map((s) => s.sessionId)).toEqual(["hs-verified"]);
  });

  it("answers every malformed command with an {ok:false} ack and keeps the socket", async () => {
    const socket = await connectWidget(server.url, { sessionId: "hs-bad-commands" }, { origin });
    const before = await rowCounts(server.sql);
    const bad: [Parameters<typeof command>[1], unknown][] = [
      ["message:send", { text: "no id" }],
      ["message:send", { clientMessageId: "x", text: "   " }],
      ["message:send", { clientMessageId: "x", text: "y".repeat(5000) }],
      ["conversation:sync", { afterSeq: -1 }],
      ["suggestion:feedback", { suggestionId: 1, verdict: "meh" }],
      ["typing", { active: "yes" }],
      ["typing", null],
    ];
    for (const [event, payload] of bad) {
      const ack = await command(socket, event, payload as never);
      expect(ack.ok).toBe(false);
      if (!ack.ok) expect(ack.error.code).toBe("invalid_payload");
    }
    const unknown = await command(socket, "suggestion:feedback", { suggestionId: 999_999, verdict: "accepted" });
    expect(unknown).toEqual({ ok: false, error: { code: "unknown_suggestion", message: expect.stringContaining("999999") } });
    expect(await rowCounts(server.sql)).toEqual(before);
    expect(socket.connected).toBe(true);
    socket.close();
  });
});

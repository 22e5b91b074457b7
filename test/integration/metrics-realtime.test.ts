/**
 * /metrics after real widget and engine activity: socket connections, handshakes by result and code,
 * socket events by event and result, messages by role, suggestions by source and outcome with their skip
 * reasons, and feedback. The engine runs only when told (`evaluateNow`, SUGGEST_DEBOUNCE_MS=0, no
 * background suggestions), so every count below is exact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleValue, scrape } from "../helpers/metrics-text.js";
import { pushActions, recordDecisions } from "../helpers/suggestions.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";
import { command, connectWidget, expectOk, recorder, refusedConnection, userHash, type WidgetClient } from "../helpers/widget-client.js";

let server: TestServer;
let alice: WidgetClient;
let decisions: ReturnType<typeof recordDecisions>;

beforeAll(async () => {
  server = await startTestServer({ env: { SUGGESTIONS_ENABLED: "false", SUGGEST_DEBOUNCE_MS: "0", SUGGEST_MAX_WAIT_MS: "0" } });
  decisions = recordDecisions(server.suggestions);
});
afterAll(async () => {
  alice?.close();
  await server.close();
});

const metric = async (name: string, labels: Record<string, string> = {}) => sampleValue(await scrape(server.url), name, labels);
const sessionRef = async (sessionId: string) => (await server.repos.sessions.idByKey(server.instance.defaultProduct.id, sessionId))!;

/** Evaluates the session now and returns the engine's decision. */
async function evaluate(sessionId: string) {
  const next = decisions.next({ sessionId });
  await server.suggestions.evaluateNow(await sessionRef(sessionId));
  return next;
}

describe("socket metrics", () => {
  it("counts open connections up on connect and down on disconnect", async () => {
    expect(await metric("pilotlight_socket_connections")).toBe(0);
    alice = await connectWidget(server.url, { sessionId: "m-alice" });
    const bob = await connectWidget(server.url, { sessionId: "m-bob", userId: "bob", userHash: userHash("bob") });
    expect(await metric("pilotlight_socket_connections")).toBe(2);
    bob.close();
    await waitFor(async () => (await metric("pilotlight_socket_connections")) === 1, "the server to see bob disconnect");
  });

  it("counts handshakes by result and by the code of each refusal", async () => {
    const refusals = [
      await refusedConnection(server.url, { productKey: "pk_unknown_0123456789", sessionId: "m-x" }),
      await refusedConnection(server.url, { sessionId: "m-x" }, { origin: "https://evil.example.com" }),
      await refusedConnection(server.url, { sessionId: "m-x" }, { origin: "https://evil.example.com" }),
      await refusedConnection(server.url, { sessionId: "" }),
      await refusedConnection(server.url, { sessionId: "m-x", userId: "carol" }),
      await refusedConnection(server.url, { sessionId: "m-x", userId: "carol", userHash: userHash("mallory") }),
    ];
    expect(refusals.map((r) => r.code)).toEqual(["invalid_product_key", "origin_not_allowed", "origin_not_allowed", "invalid_auth", "identity_required", "invalid_user_hash"]);
    const text = await scrape(server.url);
    const handshakes = (result: string, code: string) => sampleValue(text, "pilotlight_socket_handshakes_total", { result, code });
    expect(handshakes("accepted", "")).toBe(2);
    expect(handshakes("refused", "invalid_product_key")).toBe(1);
    expect(handshakes("refused", "origin_not_allowed")).toBe(2);
    expect(handshakes("refused", "invalid_auth")).toBe(1);
    expect(handshakes("refused", "identity_required")).toBe(1);
    expect(handshakes("refused", "invalid_user_hash")).toBe(1);
  });

  it("counts socket events by event and result, and messages by role", async () => {
    const linked = recorder(alice, "conversation:linked");
    const created = recorder(alice, "message:created");
    expectOk(await command(alice, "message:send", { clientMessageId: "m-1", text: "How do I invite someone?" }));
    // The same clientMessageId again: acknowledged, stored once.
    expectOk(await command(alice, "message:send", { clientMessageId: "m-1", text: "How do I invite someone?" }));
    expect(await command(alice, "message:send", { clientMessageId: "m-2", text: "   " })).toMatchObject({ ok: false, error: { code: "invalid_payload" } });
    expectOk(await command(alice, "typing", { active: false }));
    expectOk(await command(alice, "conversation:sync", { afterSeq: 0 }));
    expect(await command(alice, "suggestion:feedback", { suggestionId: 424242, verdict: "accepted" })).toMatchObject({ ok: false, error: { code: "unknown_suggestion" } });
    await linked.until();
    await created.until((m) => m.role === "assistant");

    const text = await scrape(server.url);
    const events = (event: string, result: string) => sampleValue(text, "pilotlight_socket_events_total", { event, result });
    expect(events("message:send", "ok")).toBe(2);
    expect(events("message:send", "invalid_payload")).toBe(1);
    expect(events("typing", "ok")).toBe(1);
    expect(events("conversation:sync", "ok")).toBe(1);
    expect(events("suggestion:feedback", "unknown_suggestion")).toBe(1);
    expect(sampleValue(text, "pilotlight_messages_total", { role: "user" })).toBe(1);
    expect(sampleValue(text, "pilotlight_messages_total", { role: "assistant" })).toBe(1);
    expect(sampleValue(text, "pilotlight_messages_total", { role: "suggestion" })).toBeUndefined();
  });
});

describe("suggestion metrics", () => {
  let suggestionId: number;

  it("counts a delivered rules suggestion, and its message", async () => {
    const carol = await connectWidget(server.url, { sessionId: "m-carol" });
    try {
      await pushActions(server.url, "m-carol", [{ url: "/invoices" }, { url: "/invoices/new" }]);
      const delivered = await evaluate("m-carol");
      expect(delivered).toMatchObject({ outcome: "delivered", source: "rules" });
      suggestionId = delivered.suggestionId!;
      const text = await scrape(server.url);
      expect(sampleValue(text, "pilotlight_suggestions_total", { source: "rules", outcome: "delivered" })).toBe(1);
      expect(sampleValue(text, "pilotlight_messages_total", { role: "suggestion" })).toBe(1);

      // Shown and not yet answered, then typing, then a chat message: each holds the next one back.
      expect(await evaluate("m-carol")).toMatchObject({ outcome: "skipped", reason: "awaiting_interaction" });
      expect(expectOk(await command(carol, "suggestion:feedback", { suggestionId, verdict: "accepted" }))).toEqual({});
      expectOk(await command(carol, "typing", { active: true }));
      expect(await evaluate("m-carol")).toMatchObject({ outcome: "skipped", reason: "typing" });
      expectOk(await command(carol, "message:send", { clientMessageId: "c-1", text: "thanks" }));
      expect(await evaluate("m-carol")).toMatchObject({ outcome: "skipped", reason: "recent_message" });
      await server.app.services.chat.drain();
    } finally {
      carol.close();
    }
  });

  it("counts a rules decline, every skip by reason, and feedback by verdict", async () => {
    await pushActions(server.url, "m-idle", [{ url: "/" }]);
    expect(await evaluate("m-idle")).toMatchObject({ outcome: "skipped", reason: "declined", source: "rules" });

    const text = await scrape(server.url);
    const suggestions = (source: string, outcome: string) => sampleValue(text, "pilotlight_suggestions_total", { source, outcome });
    expect(suggestions("rules", "delivered")).toBe(1);
    expect(suggestions("rules", "skipped")).toBe(1);
    // Gate skips happen before any model is asked.
    expect(suggestions("none", "skipped")).toBe(3);
    const skips = (reason: string) => sampleValue(text, "pilotlight_suggestion_skips_total", { reason });
    expect([skips("awaiting_interaction"), skips("typing"), skips("recent_message"), skips("declined")]).toEqual([1, 1, 1, 1]);
    expect(sampleValue(text, "pilotlight_suggestion_feedback_total", { verdict: "accepted" })).toBe(1);
    expect(sampleValue(text, "pilotlight_suggestion_feedback_total", { verdict: "dismissed" })).toBeUndefined();
    expect(sampleValue(text, "pilotlight_messages_total", { role: "user" })).toBe(2);
    expect(sampleValue(text, "pilotlight_messages_total", { role: "assistant" })).toBe(2);
  });
});

describe("handshake rate limit metrics", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ env: { RATE_LIMIT_PUBLIC_PER_MIN: "2", SUGGESTIONS_ENABLED: "false" } });
  });
  afterAll(async () => {
    await limited.close();
  });

  it("counts handshakes refused by the limit, by code and by limiter", async () => {
    for (const sessionId of ["r-1", "r-2"]) (await connectWidget(limited.url, { sessionId })).close();
    expect((await refusedConnection(limited.url, { sessionId: "r-3" })).code).toBe("rate_limited");
    const text = await scrape(limited.url);
    expect(sampleValue(text, "pilotlight_socket_handshakes_total", { result: "accepted", code: "" })).toBe(2);
    expect(sampleValue(text, "pilotlight_socket_handshakes_total", { result: "refused", code: "rate_limited" })).toBe(1);
    expect(sampleValue(text, "pilotlight_rate_limited_total", { limiter: "socket" })).toBe(1);
  });
});

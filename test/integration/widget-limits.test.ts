/**
 * Widget commands are limited per socket, per conversation, and chat's model calls per conversation. Over a
 * limit the ack is `{ok:false, error:{code:"rate_limited"}}` and the socket stays connected; the model
 * (the fake OpenAI server) sees only the budgeted calls.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Ack } from "../../server/contracts/realtime.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai.js";
import { sampleValue, scrape } from "../helpers/metrics-text.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { command, connectWidget, expectOk, type WidgetClient } from "../helpers/widget-client.js";

let fake: FakeOpenAI | undefined;
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await fake?.close();
  fake = undefined;
});

async function start(env: Record<string, string>, withModel = false) {
  if (withModel) fake = await startFakeOpenAI({ default: { kind: "reply", text: "Here is how." } });
  const server = await startTestServer({
    env: { SUGGESTIONS_ENABLED: "false", ...(fake ? { OPENAI_BASE_URL: fake.url, LLM_MAX_RETRIES: "0" } : {}), ...env },
  });
  servers.push(server);
  return server;
}

const codes = (acks: readonly Ack<unknown>[]) => acks.map((a) => (a.ok ? "ok" : a.error.code));

async function sendMany(socket: WidgetClient, n: number, prefix: string) {
  const acks: Ack<unknown>[] = [];
  for (let i = 0; i < n; i++) acks.push(await command(socket, "message:send", { clientMessageId: `${prefix}-${i}`, text: `question ${i}` }));
  return acks;
}

describe("one anonymous socket sending many messages", () => {
  it("gets rate_limited acks past the conversation's model budget, stays connected, and the model sees only the budget", async () => {
    const server = await start({ CHAT_MODEL_CALLS_PER_HOUR: "5", CHAT_MESSAGES_PER_MIN: "1000" }, true);
    const socket = await connectWidget(server.url, { sessionId: "flood-1" });
    const acks = await sendMany(socket, 30, "m");
    expect(codes(acks)).toEqual([...Array<string>(5).fill("ok"), ...Array<string>(25).fill("rate_limited")]);
    const refused = acks[5]!;
    expect(!refused.ok && refused.error.message).toMatch(/chat_model_calls limit is 5 per hour for one conversation; retry after \d+ s/);
    expect(socket.connected).toBe(true);

    await server.app.services.chat.drain();
    expect(fake!.requests).toHaveLength(5);
    // Still connected and served: reading the thread is not a model call.
    const synced = expectOk(await command(socket, "conversation:sync", { afterSeq: 0 }));
    expect(synced.messages.filter((m) => m.role === "user")).toHaveLength(5);
    expect(sampleValue(await scrape(server.url), "pilotlight_socket_events_total", { event: "message:send", result: "rate_limited" })).toBe(25);
    socket.close();
  });

  it("gets rate_limited acks past CHAT_MESSAGES_PER_MIN, shared by every socket of the conversation", async () => {
    const server = await start({ CHAT_MESSAGES_PER_MIN: "4" });
    const a = await connectWidget(server.url, { sessionId: "flood-2" });
    expect(codes(await sendMany(a, 3, "a"))).toEqual(["ok", "ok", "ok"]);
    // A second tab of the same session: same conversation, same budget.
    const b = await connectWidget(server.url, { sessionId: "flood-2" });
    expect(codes(await sendMany(b, 3, "b"))).toEqual(["ok", "rate_limited", "rate_limited"]);
    expect(a.connected && b.connected).toBe(true);
    // Another conversation has its own.
    const c = await connectWidget(server.url, { sessionId: "flood-3" });
    expect(codes(await sendMany(c, 1, "c"))).toEqual(["ok"]);
    for (const s of [a, b, c]) s.close();
  });
});

describe("every command, per socket", () => {
  it("answers rate_limited past WIDGET_COMMANDS_PER_MIN, unknown events and bad payloads included, and keeps the socket", async () => {
    const server = await start({ WIDGET_COMMANDS_PER_MIN: "10" });
    const socket = await connectWidget(server.url, { sessionId: "cmd-1" });
    const acks: Ack<unknown>[] = [];
    for (let i = 0; i < 6; i++) acks.push(await command(socket, "typing", { active: i % 2 === 0 }));
    const raw = socket.timeout(5_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<unknown>> };
    for (let i = 0; i < 3; i++) acks.push(await raw.emitWithAck("nonsense", {}));
    for (let i = 0; i < 3; i++) acks.push(await command(socket, "typing", { active: "yes" } as never));
    expect(codes(acks)).toEqual(["ok", "ok", "ok", "ok", "ok", "ok", "unknown_event", "unknown_event", "unknown_event", "invalid_payload", "rate_limited", "rate_limited"]);
    expect(socket.connected).toBe(true);
    // A new connection has its own budget.
    const other = await connectWidget(server.url, { sessionId: "cmd-1" });
    expect(codes([await command(other, "typing", { active: true })])).toEqual(["ok"]);
    socket.close();
    other.close();
  });

  it("limits one conversation's sockets together with WIDGET_CONVERSATION_COMMANDS_PER_MIN", async () => {
    const server = await start({ WIDGET_CONVERSATION_COMMANDS_PER_MIN: "4" });
    const a = await connectWidget(server.url, { sessionId: "cmd-2" });
    const b = await connectWidget(server.url, { sessionId: "cmd-2" });
    const acks: Ack<unknown>[] = [];
    for (let i = 0; i < 3; i++) acks.push(await command(a, "conversation:sync", { afterSeq: 0 }));
    for (let i = 0; i < 3; i++) acks.push(await command(b, "conversation:sync", { afterSeq: 0 }));
    expect(codes(acks)).toEqual(["ok", "ok", "ok", "ok", "rate_limited", "rate_limited"]);
    a.close();
    b.close();
  });
});

describe("without a model", () => {
  it("does not spend a model budget on rules replies", async () => {
    const server = await start({ CHAT_MODEL_CALLS_PER_HOUR: "1" });
    const socket = await connectWidget(server.url, { sessionId: "rules-1" });
    expect(codes(await sendMany(socket, 3, "r"))).toEqual(["ok", "ok", "ok"]);
    socket.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageCreated } from "../../server/contracts/realtime.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { deliverTestSuggestion } from "../helpers/suggestions.js";
import { command, connectWidget, expectOk, nextEvent, type WidgetClient } from "../helpers/widget-client.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** A deterministic pseudo-random source, so a failure can be replayed. */
function random(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe("disconnects and reconnects lose nothing", () => {
  it("after 100 cuts during suggestions and streamed replies, sync fills exactly the gaps", async () => {
    const rand = random(42);
    let alice = await connectWidget(server.url, { sessionId: "cut-alice" });
    const linked = nextEvent(alice, "conversation:linked");
    expectOk(await command(alice, "message:send", { clientMessageId: "start", text: "hello" }));
    const { conversationId, conversationToken } = await linked;
    const otherTab = await connectWidget(server.url, { sessionId: "cut-alice-tab2", conversationId, conversationToken });

    // What alice's widget holds: messages by seq, from live events and from syncs.
    const thread = new Map<number, MessageCreated>();
    const keep = (m: MessageCreated) => {
      const known = thread.get(m.seq);
      if (known) expect(known.id).toBe(m.id); // a seq never names two messages
      thread.set(m.seq, m);
    };
    const listen = (socket: WidgetClient) => socket.on("message:created", keep);
    listen(alice);
    await server.app.services.chat.drain();
    expectOk(await command(alice, "conversation:sync", { afterSeq: 0 })).messages.forEach(keep);

    const activity = async (i: number) => {
      otherTab.emit("message:send", { clientMessageId: `m-${i}`, text: `question ${i}` }, () => undefined);
      await deliverTestSuggestion(server, "cut-alice", `suggestion ${i}`);
    };

    for (let i = 0; i < 100; i++) {
      await activity(i);
      // Cut at a random moment: before, during or after the streamed reply.
      const ticks = Math.floor(rand() * 4);
      for (let t = 0; t < ticks; t++) await new Promise((r) => setImmediate(r));
      const gone = new Promise((r) => alice.once("disconnect", r));
      alice.io.engine.close();
      await gone;
      alice.close();
      if (rand() < 0.5) await activity(1000 + i); // more happens while alice is away

      const seqs = [...thread.keys()].sort((a, b) => a - b);
      const lastSeq = seqs.at(-1) ?? 0;
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => k + 1)); // no holes in what she saw
      alice = await connectWidget(server.url, { sessionId: "cut-alice", conversationId, conversationToken });
      listen(alice);
      const synced = expectOk(await command(alice, "conversation:sync", { afterSeq: lastSeq })).messages;
      expect(synced.every((m) => m.seq > lastSeq)).toBe(true);
      expect(synced.map((m) => m.seq)).toEqual([...synced.map((m) => m.seq)].sort((a, b) => a - b));
      synced.forEach(keep);
    }

    await server.app.services.chat.drain();
    const last = Math.max(...thread.keys());
    expectOk(await command(alice, "conversation:sync", { afterSeq: last })).messages.forEach(keep);
    const stored = await server.repos.messages.after(conversationId, 0, 100_000);
    expect([...thread.values()].sort((a, b) => a.seq - b.seq).map((m) => [m.seq, m.id, m.role])).toEqual(
      stored.map((m) => [m.seq, m.id, m.role]),
    );
    // Every question got its answer and every suggestion arrived.
    expect(stored.filter((m) => m.role === "suggestion").length).toBeGreaterThanOrEqual(100);
    expect(stored.filter((m) => m.role === "assistant").length).toBe(stored.filter((m) => m.role === "user").length);
    alice.close();
    otherTab.close();
  });
});

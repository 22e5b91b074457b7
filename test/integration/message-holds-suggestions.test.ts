/**
 * A chat message holds proactive suggestions back from the moment the widget has its acknowledgement: the
 * gate is noted in the transaction that stores the message. Noted afterwards, an evaluation right after the
 * acknowledgement could still read the old gate and interrupt the user's own question (seen on PostgreSQL,
 * where the note was a second transaction on another connection).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { pushActions, recordDecisions } from "../helpers/suggestions.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { command, connectWidget, expectOk } from "../helpers/widget-client.js";

let server: TestServer;
let decisions: ReturnType<typeof recordDecisions>;

beforeAll(async () => {
  // The engine runs only when told, so the evaluation below is the one right after the acknowledgement.
  server = await startTestServer({ env: { SUGGESTIONS_ENABLED: "false", SUGGEST_DEBOUNCE_MS: "0", SUGGEST_MAX_WAIT_MS: "0" } });
  decisions = recordDecisions(server.suggestions);
});
afterAll(async () => {
  await server.close();
});

it("holds back the next suggestion as soon as the message is acknowledged", async () => {
  // Several sessions, each with its first message: a note that lagged the acknowledgement shows in any of them.
  for (let i = 0; i < 5; i++) {
    const sessionId = `hold-${i}`;
    const widget = await connectWidget(server.url, { sessionId });
    try {
      // Actions the rules model would otherwise answer with a delivered workflow step.
      await pushActions(server.url, sessionId, [{ url: "/invoices" }, { url: "/invoices/new" }]);
      const ref = (await server.repos.sessions.idByKey(server.instance.defaultProduct.id, sessionId))!;
      expectOk(await command(widget, "message:send", { clientMessageId: "q-1", text: "How do I add a customer?" }));
      const gate = await server.repos.gates.find(ref);
      expect(gate).toMatchObject({ state: "reactive" });
      expect(gate!.lastUserMessageAt).toBeGreaterThan(0);
      const next = decisions.next({ sessionId });
      await server.suggestions.evaluateNow(ref);
      expect(await next).toMatchObject({ outcome: "skipped", reason: "recent_message" });
      await server.app.services.chat.drain();
    } finally {
      widget.close();
    }
  }
});

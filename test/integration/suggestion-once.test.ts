/**
 * A suggestion enters its conversation once, however many deliveries of it run at the same moment (the
 * engine delivering it while a widget connects and is shown the pending ones, or several instances in server
 * mode): one `suggestion` message, one seq. On PostgreSQL (`npm run test:pg`) the deliveries really overlap.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { command, connectWidget, expectOk } from "../helpers/widget-client.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { SUGGESTIONS_ENABLED: "false" } });
});
afterAll(async () => {
  await server.close();
});

describe("a suggestion delivered several times at once", () => {
  it("is stored in its conversation once, and every widget sees that one message", async () => {
    const sessionId = "once-1";
    const socket = await connectWidget(server.url, { sessionId });
    try {
      const sessionRef = (await server.repos.sessions.idByKey("demo", sessionId))!;
      const createdAt = server.clock.now();
      const text = "Try the Export CSV button.";
      const id = await server.repos.suggestions.insert({
        sessionRef, text, normText: text.toLowerCase(), source: "rules", model: "test", signal: null, workflowId: null, stepId: null,
        latencyMs: 0, usage: null, evidence: { indexes: [], actionIds: [] }, status: "pending", modelError: null, createdAt,
      });
      const published = { id, productId: "demo", sessionRef, sessionId, text, source: "rules" as const, model: "test", signal: null, createdAt, evidence: [], evidenceActionIds: [] };
      await Promise.all(Array.from({ length: 6 }, () => server.app.services.delivery.publish(published)));

      expect(await server.sql.value("SELECT count(*) AS n FROM messages WHERE suggestion_id = ?", [id])).toBe(1);
      const synced = expectOk(await command(socket, "conversation:sync", { afterSeq: 0 }));
      expect(synced.messages.map((m) => [m.role, m.text])).toEqual([["suggestion", text]]);
    } finally {
      socket.close();
    }
  });
});

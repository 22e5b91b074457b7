/**
 * NUL characters (U+0000) in what a sender writes are removed at the edge, before validation, on every
 * ingest path and the widget (docs/PROTOCOL.md, "Text"): the rest of the payload is kept, and the answer is the
 * same on SQLite (`npm test`) and PostgreSQL (`npm run test:pg`), whose TEXT cannot hold a NUL.
 */
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOWED_ORIGIN, batch, rawEvent, sendCapture } from "../helpers/capture.js";
import { actionsEvent } from "../helpers/events.js";
import { fixtureJson } from "../helpers/fixtures.js";
import { adminHeaders, pushEvent } from "../helpers/signing.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { command, connectWidget, expectOk } from "../helpers/widget-client.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { ALLOWED_ORIGINS: ALLOWED_ORIGIN, SUGGESTIONS_ENABLED: "false" } });
});
afterAll(async () => {
  await server.close();
});

const NUL = "\u0000";
/** The default product (PRODUCT_ID unset). */
const TEST_PRODUCT = "demo";

async function titles(sessionId: string): Promise<string[]> {
  const rows = await server.sql.all<{ title: string }>(
    "SELECT a.title FROM actions a JOIN sessions s ON s.id = a.session_ref WHERE s.session_key = ? ORDER BY a.id",
    [sessionId],
  );
  return rows.map((r) => r.title);
}

describe("text with a NUL character", () => {
  it("push webhook: accepted, stored without the NUL (title, summary and session id)", async () => {
    const res = await pushEvent(server.url, actionsEvent(`nul-push${NUL}`, [`Export${NUL} CSV`]));
    expect(res.status).toBe(202);
    expect(await titles("nul-push")).toEqual(["Export CSV"]);
    const summary = await pushEvent(server.url, { type: "summary", session_id: "nul-push", summary: `Exported${NUL} a report`, replaces: 1, forwarded_at: 1_764_000_100 });
    expect(summary.status).toBe(202);
    const ctx = await fetch(`${server.url}/v1/sessions/nul-push/context`, { headers: adminHeaders });
    expect(ctx.status).toBe(200);
    expect(((await ctx.json()) as { summary: { text: string } }).summary.text).toBe("Exported a report");
  });

  it("capture: accepted, the event's url and element text kept without the NUL", async () => {
    const res = await sendCapture(server.url, batch("nul-capture", [rawEvent("click", `${ALLOWED_ORIGIN}/in${NUL}voices`, { tag: "button", text: `Sa${NUL}ve` })]));
    expect(res.status).toBe(202);
    const stored = await titles("nul-capture");
    expect(stored).toHaveLength(1);
    expect(stored[0]).toContain("Save");
    expect(stored[0]).not.toContain(NUL);
  });

  it("PostHog: accepted, stored without the NUL", async () => {
    const f = fixtureJson<{ event: Record<string, any> }>("posthog-autocapture.json");
    const body = { ...f, event: { ...f.event, uuid: crypto.randomUUID(), properties: { ...f.event.properties, $session_id: "nul-posthog", $pathname: `/re${NUL}ports/1` } } };
    const res = await fetch(`${server.url}/v1/webhooks/posthog`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-posthog-secret": TEST_SECRETS.POSTHOG_SECRET },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(202);
    const rows = await server.sql.all<{ n: number }>(
      "SELECT count(*) AS n FROM actions a JOIN sessions s ON s.id = a.session_ref WHERE s.session_key = ?",
      ["nul-posthog"],
    );
    expect(rows).toEqual([{ n: 1 }]);
  });

  it("widget chat: the message is stored and answered, without the NUL", async () => {
    const socket = await connectWidget(server.url, { sessionId: `nul-chat${NUL}` });
    try {
      const sent = expectOk(await command(socket, "message:send", { clientMessageId: `m${NUL}1`, text: `hello${NUL} there` }));
      await server.app.services.chat.drain();
      const synced = expectOk(await command(socket, "conversation:sync", { afterSeq: 0 }));
      expect(synced.messages[0]).toMatchObject({ id: sent.messageId, role: "user", text: "hello there" });
      expect(synced.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    } finally {
      socket.close();
    }
  });

  it("a NUL in a path or query is no 500: the stream and the context API answer as without it", async () => {
    const stream = await fetch(`${server.url}/v1/stream/${TEST_PRODUCT}%00?session_id=x%00`, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${TEST_SECRETS.STREAM_TOKEN}` },
    });
    expect(stream.status).toBe(200);
    await stream.body?.cancel();
    const ctx = await fetch(`${server.url}/v1/sessions/nul-push%00/context`, { headers: adminHeaders });
    expect(ctx.status).toBe(200);
  });
});

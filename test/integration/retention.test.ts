import { afterEach, describe, expect, it } from "vitest";
import type { Clock } from "../../server/clock.js";
import { parseAutoplayEvent } from "../../server/ingest/parse-event.js";
import { sampleValue, scrape } from "../helpers/metrics-text.js";
import { adminHeaders, pushEvent } from "../helpers/signing.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { nextFrom } from "../helpers/wait.js";

const DAY = 86_400_000;

/** A clock the test moves. (Pushes use the connector signature, which has no timestamp to go stale.) */
function testClock(start = Date.UTC(2026, 0, 1)) {
  const clock = { t: start, now: () => clock.t, advance: (ms: number) => void (clock.t += ms) };
  return clock satisfies Clock & { advance(ms: number): void };
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const actionsEvent = (sessionId: string, titles: string[]) => ({
  type: "actions",
  session_id: sessionId,
  actions: titles.map((title, i) => ({ title, description: `did ${title}`, canonical_url: "/x", timestamp_start: 1000 + i })),
});

async function push(event: unknown) {
  const res = await pushEvent(server!.url, event, "connector");
  expect(res.status).toBe(202);
  return res.body;
}

async function contextStatus(sessionId: string) {
  const res = await fetch(`${server!.url}/v1/sessions/${sessionId}/context`, { headers: adminHeaders });
  return { status: res.status, body: (await res.json()) as { counts?: { actions: number } } };
}

describe("retention", () => {
  it("purges sessions not seen for RETENTION_DAYS with their actions and summaries, and keeps recent ones", async () => {
    const clock = testClock();
    server = await startTestServer({ clock, env: { RETENTION_DAYS: "30" } });
    await push(actionsEvent("s-old", ["a", "b", "c"]));
    await push({ type: "summary", session_id: "s-old", summary: "Looked around.", replaces: 2 });
    await push(actionsEvent("s-active", ["first"]));
    clock.advance(20 * DAY);
    await push(actionsEvent("s-active", ["second"]));
    clock.advance(11 * DAY);
    await push(actionsEvent("s-new", ["x"]));

    const report = await server.app.services.retention.runOnce();
    expect(report.complete).toBe(true);
    expect(report.deleted).toEqual({ actions: 3, summaries: 1, suggestion_decisions: 0, suggestions: 0, workflow_attempts: 0, sessions: 1, messages: 0, conversations: 0 });
    expect((await contextStatus("s-old")).status).toBe(404);
    // Seen 11 days ago: kept whole, including its 31-day-old first action.
    expect((await contextStatus("s-active")).body.counts?.actions).toBe(2);
    expect((await contextStatus("s-new")).status).toBe(200);
    expect(await server.sql.get("SELECT count(*) AS n FROM actions")).toEqual({ n: 3 });

    const text = await scrape(server.url);
    expect(sampleValue(text, "pilotlight_retention_deleted_rows_total", { table: "actions" })).toBe(3);
    expect(sampleValue(text, "pilotlight_retention_runs_total", { result: "ok" })).toBe(1);
    // A second run finds nothing more.
    expect(Object.values((await server.app.services.retention.runOnce()).deleted).every((n) => n === 0)).toBe(true);
  });

  it("purges conversations quiet for RETENTION_DAYS with their messages and links, and keeps active ones", async () => {
    const clock = testClock();
    server = await startTestServer({ clock, env: { RETENTION_DAYS: "30" } });
    const chat = server.app.services.chat;
    const sender = async (sessionId: string) => {
      const sessionRef = await server!.repos.sessions.touch({ productId: "demo", sessionKey: sessionId, userId: null, email: null, now: clock.now() });
      return { productId: "demo", sessionRef, userId: null };
    };
    const oldSender = await sender("chat-old");
    const old = await chat.sendUserMessage(oldSender, { clientMessageId: "o1", text: "hello long ago" });
    await chat.drain();
    clock.advance(31 * DAY);
    const recent = await chat.sendUserMessage(await sender("chat-new"), { clientMessageId: "n1", text: "hello today" });
    await chat.drain();

    const report = await server.app.services.retention.runOnce();
    expect(report.deleted).toMatchObject({ messages: 2, conversations: 1 });
    expect(await server.repos.conversations.findById(old.conversationId)).toBeUndefined();
    expect(await server.repos.conversations.linkOf(oldSender.sessionRef)).toBeUndefined();
    expect((await server.repos.messages.after(recent.conversationId, 0, 10)).map((m) => m.role)).toEqual(["user", "assistant"]);
  });

  it("purges in small batches while ingestion keeps committing", async () => {
    const clock = testClock();
    server = await startTestServer({ clock, env: { RETENTION_BATCH_SIZE: "25" } });
    const { ingest } = server.app.services;
    // 300 old sessions × 20 actions, seeded through the real ingest use case.
    for (let s = 0; s < 300; s++) {
      const parsed = parseAutoplayEvent(actionsEvent(`old-${s}`, Array.from({ length: 20 }, (_, i) => `a${i}`)));
      if (!parsed.ok) throw new Error("fixture does not parse");
      await ingest.ingest("demo", parsed.value, "push");
    }
    clock.advance(31 * DAY);

    const order: string[] = [];
    const purge = server.app.services.retention.runOnce().then((report) => {
      order.push("purge");
      return report;
    });
    // Sent while the purge runs: new sessions, and one old session coming back.
    const pushes = ["fresh-1", "fresh-2", "fresh-3", "old-7"].map((id) =>
      pushEvent(server!.url, actionsEvent(id, [`new in ${id}`]), "connector").then((res) => {
        order.push(id);
        return res;
      }),
    );
    const [report, ...results] = await Promise.all([purge, ...pushes]);

    expect(results.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    // Ingests were answered while the purge was still going: it yields between its batches.
    expect(order.indexOf("purge")).toBeGreaterThan(0);
    expect(report.complete).toBe(true);
    expect(report.batches).toBeGreaterThan(6000 / 25);
    expect(report.deleted.actions).toBeGreaterThanOrEqual(299 * 20);
    for (const id of ["fresh-1", "fresh-2", "fresh-3"]) expect((await contextStatus(id)).body.counts?.actions).toBe(1);
    // The returning session is kept (or recreated) with its new action, whichever side of the purge it landed.
    const revived = await server.sql
      .get("SELECT count(*) AS n FROM actions a JOIN sessions s ON s.id = a.session_ref WHERE s.session_key = 'old-7' AND a.title = 'new in old-7'");
    expect(revived).toEqual({ n: 1 });
    const remainingOld = await server.sql.get("SELECT count(*) AS n FROM sessions WHERE session_key LIKE 'old-%'");
    expect(remainingOld).toEqual({ n: 1 });
  });

  it("stops a purge under way at its next batch when the app closes, before the database is closed", async () => {
    const clock = testClock();
    server = await startTestServer({ clock, env: { RETENTION_BATCH_SIZE: "10" } });
    for (let s = 0; s < 50; s++) await push(actionsEvent(`old-${s}`, ["a", "b", "c", "d"]));
    clock.advance(31 * DAY);
    const run = server.app.services.retention.runOnce();
    // One turn: the store is async, so the first batch is under way (not yet begun) when runOnce returns.
    await new Promise((resolve) => setImmediate(resolve));
    const closing = server.close();
    const report = await run;
    await closing;
    expect(report.complete).toBe(false);
    expect(report.batches).toBeGreaterThan(0);
    expect(report.deleted.actions).toBeLessThan(200);
    // It stopped cleanly — not by running into the closed database.
    const runs = (await server.app.services.metrics.retentionRuns.get()).values.map((v) => [v.labels.result, v.value]);
    expect(runs).toEqual([["stopped", 1]]);
    server = undefined;
  });

  it("keeps everything with RETENTION_DAYS=0", async () => {
    const clock = testClock();
    server = await startTestServer({ clock, env: { RETENTION_DAYS: "0" } });
    await push(actionsEvent("s-ancient", ["a"]));
    clock.advance(3650 * DAY);
    const report = await server.app.services.retention.runOnce();
    expect(report.deleted).toEqual({});
    expect((await contextStatus("s-ancient")).status).toBe(200);
  });

  it("runs on its own every RETENTION_INTERVAL_MS", async () => {
    const clock = testClock();
    server = await startTestServer({ clock, env: { RETENTION_INTERVAL_MS: "1000" } });
    await push(actionsEvent("s-timer", ["a"]));
    clock.advance(40 * DAY);
    const report = await nextFrom(server.app.services.retention.onRun, "a scheduled retention run");
    expect(report.deleted.sessions).toBe(1);
  });
});

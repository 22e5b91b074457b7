/**
 * Holdout and measured lift (issue 14), at the level users work: widgets on real sockets, actions through the
 * real webhook. Holdout sessions get everything computed and stored but nothing shown; the lift endpoint
 * computes completion with and without suggestions, follow-through and dismissals from what is stored —
 * the same figures after a restart.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminLiftResponse, AdminSessionAnalysisResponse, AdminSuggestionsResponse } from "../../server/contracts/admin.js";
import { holdoutBucket } from "../../server/memory/holdout.js";
import { newcombeDifference } from "../../server/memory/lift.js";
import { createManualClock } from "../helpers/clock.js";
import { adminGet } from "../helpers/admin.js";
import { pushActions, recordDecisions, type ActionSpec } from "../helpers/suggestions.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/test-server.js";
import { command, connectWidget, expectOk, nextEvent, record, type WidgetClient } from "../helpers/widget-client.js";

const TEAM = "/settings/team";
const OPEN: ActionSpec[] = [{ url: TEAM }];
const EMAIL: ActionSpec[] = [{ type: "type", url: TEAM, title: "Type in 'Email' field" }];
const INVITE: ActionSpec[] = [{ type: "submit", url: TEAM, title: "Submit 'Invite' form" }];
const ENV = { SUGGEST_DEBOUNCE_MS: "10", SUGGEST_MAX_WAIT_MS: "100", SUGGEST_HOLDOUT_PCT: "50", SUGGEST_HOLDOUT_UNIT: "session" };

const clock = createManualClock();
let dir: string;
let databasePath: string;
let server: TestServer;
let decisions: ReturnType<typeof recordDecisions>;
const sockets: WidgetClient[] = [];

const get = <T>(p: string, s = server) => adminGet<T>(s, p);

async function push(sessionId: string, specs: ActionSpec[]) {
  const next = decisions.next({ sessionId });
  await pushActions(server.url, sessionId, specs, clock.now());
  const d = await next;
  clock.advance(2_000);
  return d;
}

/** `count` session ids on the given side of the 50 % holdout (the salt exists once a session was assigned). */
async function sessionIds(prefix: string, heldOut: boolean, count: number): Promise<string[]> {
  const salt = (await server.repos.settings.get("holdout_salt"))!;
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i++) {
    if (holdoutBucket(salt, "demo", "session", `${prefix}-${i}`) < 5_000 === heldOut) ids.push(`${prefix}-${i}`);
  }
  return ids;
}

beforeAll(async () => {
  dir = tempDir();
  databasePath = path.join(dir, "pilotlight.db");
  server = await startTestServer({ clock, databasePath, env: ENV });
  decisions = recordDecisions(server.suggestions);
  await push("warm-up", [{ url: "/dashboard" }]);
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("holdout", () => {
  it("computes and stores a holdout session's suggestion but shows it nowhere", async () => {
    const [sid] = await sessionIds("h-solo", true, 1);
    const socket = await connectWidget(server.url, { sessionId: sid! });
    sockets.push(socket);
    const shown = record(socket, "suggestion:created");
    const linked = record(socket, "conversation:linked");
    const d = await push(sid!, OPEN);
    expect(d).toMatchObject({ outcome: "skipped", reason: "holdout", holdout: true, source: "rules" });
    expect(d.text).toContain("Type your teammate's email address.");

    const feed = await get<AdminSuggestionsResponse>("/v1/admin/suggestions");
    expect(feed.suggestions.find((s) => s.id === d.suggestionId)).toMatchObject({ status: "held_out", outcome: null, reason: "holdout", step_id: "enter-email" });
    expect(feed.skips.find((x) => x.id === d.id)).toMatchObject({ reason: "holdout", holdout: true, suggestion_text: d.text });
    expect((await get<AdminSessionAnalysisResponse>(`/v1/admin/sessions/${sid}/analysis`)).holdout).toBe(true);
    // A treated session's suggestion reaches its widget in the same time: the holdout's silence is not a delay.
    const [treated] = await sessionIds("t-solo", false, 1);
    const other = await connectWidget(server.url, { sessionId: treated! });
    sockets.push(other);
    const created = nextEvent(other, "suggestion:created");
    await push(treated!, OPEN);
    await created;
    expect(shown).toEqual([]);
    expect(linked).toEqual([]);
  });

  it("keeps a user's sessions on one side when drawn by user", async () => {
    const byUser = await startTestServer({ clock, env: { ...ENV, SUGGEST_HOLDOUT_UNIT: "user" } });
    try {
      const feed = recordDecisions(byUser.suggestions);
      const decided = async (sessionId: string) => {
        const next = feed.next({ sessionId });
        await pushActions(byUser.url, sessionId, OPEN, clock.now(), { userId: "sticky-user" });
        return (await next).holdout;
      };
      const first = await decided("u-1");
      const salt = (await byUser.repos.settings.get("holdout_salt"))!;
      expect(first).toBe(holdoutBucket(salt, "demo", "user", "sticky-user") < 5_000);
      expect(await decided("u-2")).toBe(first);
      expect(await decided("u-3")).toBe(first);
    } finally {
      await byUser.close();
    }
  });
});

describe("GET /v1/admin/stats/lift", () => {
  it("computes completion with and without suggestions, with Newcombe's interval, follow-through and dismissals per trigger", async () => {
    const treated = await sessionIds("t", false, 4);
    const held = await sessionIds("h", true, 4);
    for (const sid of treated) {
      const socket = await connectWidget(server.url, { sessionId: sid });
      sockets.push(socket);
      const created = nextEvent(socket, "suggestion:created");
      await push(sid, OPEN);
      const s = await created;
      if (sid === treated[3]) expectOk(await command(socket, "suggestion:feedback", { suggestionId: s.id, verdict: "dismissed" }));
    }
    for (const sid of held) await push(sid, OPEN);
    // Three treated sessions follow the suggestion and invite; one held-out session invites on its own.
    for (const sid of [...treated.slice(0, 3), held[0]!]) {
      await push(sid, EMAIL);
      await push(sid, INVITE);
    }
    // The others gave up after typing the address (an attempt, abandoned once past MEMORY_ABANDON_AFTER_MS)
    // — except one held-out session that never started (a page view alone is a visit, not an attempt).
    for (const sid of [...treated.slice(3), ...held.slice(1, 3)]) await push(sid, EMAIL);
    await push(held[3]!, [{ type: "click", url: TEAM, title: "Click 'Help' link" }]);
    clock.advance(server.config.MEMORY_ABANDON_AFTER_MS + 1);

    const lift = await get<AdminLiftResponse>("/v1/admin/stats/lift?days=1");
    expect(lift).toMatchObject({ product_id: "demo", days: 1, holdout: { pct: 50, unit: "session" }, follow_window_ms: 300_000 });
    // Units are (session, workflow) attempts: the page views of the solo sessions above are not attempts.
    expect(lift.completion.with_suggestions).toEqual({ units: 4, completed: 3, rate: 0.75, in_progress: 0 });
    expect(lift.completion.without_suggestions).toEqual({ units: 3, completed: 1, rate: 1 / 3, in_progress: 0 });
    const w = lift.completion.with_suggestions;
    const wo = lift.completion.without_suggestions;
    const expected = newcombeDifference(w.completed, w.units, wo.completed, wo.units)!;
    expect(lift.completion.difference).toBeCloseTo(expected.difference, 10);
    expect(lift.completion.ci95).toEqual({ low: expected.low, high: expected.high });
    expect(lift.completion.method).toContain("Newcombe");
    expect(lift.completion.significant).toBe(expected.low > 0 || expected.high < 0);

    const step = lift.triggers.find((t) => t.trigger === "workflow_step")!;
    // Shown: the four treated sessions and the solo one; followed: those that typed the address (the step).
    expect(step).toMatchObject({ shown: 5, with_step: 5, followed: 4, dismissed: 1, held_out: 5, held_out_with_step: 5, held_out_followed: 3 });
    expect(step.follow_through).toBeCloseTo(4 / 5);
    expect(step.dismiss_rate).toBeCloseTo(1 / 5);
    expect(step.natural_follow_rate).toBeCloseTo(3 / 5);

    // Nothing of it lives in memory: a restarted server on the same file answers the same.
    await server.close();
    server = await startTestServer({ clock, databasePath, env: ENV });
    expect(await get<AdminLiftResponse>("/v1/admin/stats/lift?days=1")).toEqual(lift);
  });
});

/**
 * /v1/admin/suggestions and /v1/admin/stats over real traffic: pushes, rules-model suggestions delivered to
 * real widgets, feedback through the realtime gateway, and an injected clock that decides when a suggestion
 * without feedback counts as ignored and which bucket each event falls in.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminStatsResponse, AdminSuggestionsResponse } from "../../server/contracts/admin.js";
import { addProduct, adminGet } from "../helpers/admin.js";
import { createManualClock } from "../helpers/clock.js";
import { pushEvent } from "../helpers/signing.js";
import { connectAndSuggest, pushActions, recordDecisions } from "../helpers/suggestions.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { command, expectOk, type WidgetClient } from "../helpers/widget-client.js";

const MINUTE = 60_000;
// 45 s into a minute: the interaction timeout (20 s) of a suggestion delivered now ends in the next minute.
const BUCKET3 = Math.floor(Date.now() / MINUTE) * MINUTE;
const T0 = BUCKET3 + 45_000;
const clock = createManualClock(T0);
const iso = (ms: number) => new Date(ms).toISOString();

let server: TestServer;
let decisions: ReturnType<typeof recordDecisions>;
const sockets: WidgetClient[] = [];
const delivered = new Map<string, { id: number; conversationId: string; socket: WidgetClient }>();

const get = <T>(path: string) => adminGet<T>(server, path);

/** A widget for the session, then a push to the team page: the rules model suggests the next step to it. */
async function deliverTo(sessionId: string) {
  const { socket, suggestion: s } = await connectAndSuggest(server, sessionId, clock.now());
  sockets.push(socket);
  delivered.set(sessionId, { id: s.id, conversationId: s.conversationId, socket });
}

async function feedback(sessionId: string, verdict: "accepted" | "dismissed") {
  const d = delivered.get(sessionId)!;
  expectOk(await command(d.socket, "suggestion:feedback", { suggestionId: d.id, verdict }));
}

beforeAll(async () => {
  server = await startTestServer({
    clock,
    env: { SUGGEST_DEBOUNCE_MS: "0", SUGGEST_MAX_WAIT_MS: "0", GATE_INTERACTION_TIMEOUT_MS: "20000", DWELL_MS: "3600000" },
  });
  decisions = recordDecisions(server.suggestions);
  await addProduct(server, "other");
  // Each product has its own workflows: the other one gets the same golden paths, uploaded for it.
  const { workflows } = server.app.services;
  await workflows.replace("other", await workflows.forProduct("demo"), "admin", clock.now());

  // Minute 3 (T0): three deliveries, one accepted at once.
  for (const sid of ["adm-acc", "adm-dis", "adm-ign"]) await deliverTo(sid);
  await feedback("adm-acc", "accepted");
  // Minute 4 (T0 + 30 s): adm-ign's timeout ran out at T0 + 20 s; one dismissal; a fresh delivery; a skip.
  clock.advance(30_000);
  await feedback("adm-dis", "dismissed");
  await deliverTo("adm-pend");
  const skipped = decisions.next({ sessionId: "adm-pend", reason: "awaiting_interaction" });
  await pushActions(server.url, "adm-pend", [{ type: "type", url: "https://acme.test/settings/team", title: "Type in 'Name' field" }], clock.now());
  await skipped;
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server?.close();
});

describe("GET /v1/admin/suggestions", () => {
  it("lists suggestions newest first with source, signal, reason and outcome", async () => {
    const body = await get<AdminSuggestionsResponse>("/v1/admin/suggestions");
    expect(body.interaction_timeout_ms).toBe(20_000);
    expect(body.suggestions.map((s) => [s.session_id, s.outcome])).toEqual([
      ["adm-pend", "pending"],
      ["adm-ign", "ignored"],
      ["adm-dis", "dismissed"],
      ["adm-acc", "accepted"],
    ]);
    const accepted = body.suggestions[3]!;
    expect(accepted).toMatchObject({
      id: delivered.get("adm-acc")!.id,
      conversation_id: delivered.get("adm-acc")!.conversationId,
      source: "rules",
      model: "rules",
      signal: "workflow_step",
      workflow_id: "invite-teammate",
      step_id: "enter-email",
      status: "delivered",
      reason: null,
      trigger: "activity",
      feedback_at: iso(T0),
      created_at: iso(T0),
    });
    expect(accepted.text).toContain("Type your teammate's email address.");
    expect(body.suggestions[2]!.feedback_at).toBe(iso(T0 + 30_000));
    expect(body.suggestions[0]!.feedback_at).toBeNull();
  });

  it("lists skipped decisions with their reason codes", async () => {
    const body = await get<AdminSuggestionsResponse>("/v1/admin/suggestions");
    expect(body.skips).toEqual([
      {
        id: expect.any(Number),
        session_id: "adm-pend",
        reason: "awaiting_interaction",
        trigger: "activity",
        source: null,
        model_error: null,
        detail: null,
        suggestion_id: null,
        suggestion_text: null,
        // The rules that applied: an anonymous session is its own memory; no holdout is configured.
        rules: [{ code: "scope", detail: "this session only (no verified user)" }],
        holdout: false,
        created_at: iso(T0 + 30_000),
      },
    ]);
    expect((await get<AdminSuggestionsResponse>("/v1/admin/suggestions?limit=2")).suggestions.map((s) => s.session_id)).toEqual(["adm-pend", "adm-ign"]);
  });
});

describe("GET /v1/admin/stats", () => {
  it("counts actions, deliveries and outcomes per bucket where each happened", async () => {
    const body = await get<AdminStatsResponse>("/v1/admin/stats?minutes=5&bucket_s=60");
    expect(body).toMatchObject({ product_id: "demo", minutes: 5, bucket_s: 60, from: iso(BUCKET3 - 3 * MINUTE), to: iso(BUCKET3 + 2 * MINUTE) });
    const zero = { actions: 0, delivered: 0, accepted: 0, dismissed: 0, ignored: 0, acceptance_rate: null };
    expect(body.buckets).toEqual([
      { start: iso(BUCKET3 - 3 * MINUTE), ...zero },
      { start: iso(BUCKET3 - 2 * MINUTE), ...zero },
      { start: iso(BUCKET3 - MINUTE), ...zero },
      { start: iso(BUCKET3), ...zero, actions: 3, delivered: 3, accepted: 1, acceptance_rate: 1 },
      { start: iso(BUCKET3 + MINUTE), ...zero, actions: 2, delivered: 1, dismissed: 1, ignored: 1, acceptance_rate: 0 },
    ]);
    expect(body.totals).toEqual({
      actions: 5, delivered: 4, accepted: 1, dismissed: 1, ignored: 1, pending: 1, acceptance_rate: 1 / 3,
      delivery: { delivered: 4, pending: 0, expired: 0 },
    });
    expect(body.skips_by_reason).toEqual([{ reason: "awaiting_interaction", count: 1 }]);
  });

  it("defaults to 60 one-minute buckets ending with the current one", async () => {
    const body = await get<AdminStatsResponse>("/v1/admin/stats");
    expect(body.buckets).toHaveLength(60);
    expect(body.buckets.at(-1)!.start).toBe(iso(BUCKET3 + MINUTE));
    expect(body.totals.actions).toBe(5);
  });

  it("scopes every series to the product asked for", async () => {
    // The team page: the rules model suggests inviting a teammate's next step, in the other product.
    const event = {
      type: "actions", product_id: "other", session_id: "adm-elsewhere",
      actions: [{ title: "Page Load: Team", description: "User opened the team settings", canonical_url: "/settings/team", timestamp_start: clock.now() / 1000 }],
    };
    const decided = decisions.next({ sessionId: "adm-elsewhere" });
    expect((await pushEvent(server.url, event, "connector")).status).toBe(202);
    expect(await decided).toMatchObject({ productId: "other", outcome: "delivered" });
    const other = await get<AdminStatsResponse>("/v1/admin/stats?product_id=other&minutes=5");
    // No widget of that session is connected: the suggestion waits for one instead of counting as delivered.
    expect(other.totals).toEqual({
      actions: 1, delivered: 0, accepted: 0, dismissed: 0, ignored: 0, pending: 0, acceptance_rate: null,
      delivery: { delivered: 0, pending: 1, expired: 0 },
    });
    const demo = await get<AdminStatsResponse>("/v1/admin/stats?minutes=5");
    expect(demo.totals).toMatchObject({ actions: 5, delivered: 4, pending: 1 });
    const feed = await get<AdminSuggestionsResponse>("/v1/admin/suggestions?product_id=other");
    expect(feed.suggestions.map((s) => s.session_id)).toEqual(["adm-elsewhere"]);
  });

  it("turns a pending suggestion into an ignored one once its interaction timeout has passed", async () => {
    clock.advance(19_999);
    expect((await get<AdminSuggestionsResponse>("/v1/admin/suggestions")).suggestions[0]).toMatchObject({ session_id: "adm-pend", outcome: "pending" });
    clock.advance(1);
    const suggestions = await get<AdminSuggestionsResponse>("/v1/admin/suggestions");
    expect(suggestions.suggestions[0]).toMatchObject({ session_id: "adm-pend", outcome: "ignored" });
    const stats = await get<AdminStatsResponse>("/v1/admin/stats?minutes=5");
    expect(stats.totals).toMatchObject({ ignored: 2, pending: 0, acceptance_rate: 1 / 4 });
  });
});

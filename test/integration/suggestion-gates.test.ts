import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../helpers/clock.js";
import { adminHeaders } from "../helpers/signing.js";
import { pushActions, recordDecisions, recordingPublisher, type ActionSpec } from "../helpers/suggestions.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/test-server.js";

const FAST = { SUGGEST_DEBOUNCE_MS: "10", SUGGEST_MAX_WAIT_MS: "100" };
const START_INVOICE: ActionSpec[] = [{ url: "/invoices" }, { url: "/invoices/new" }];
const CUSTOMER: ActionSpec = { type: "type", url: "/invoices/new", title: "Type in 'Customer' field" };
const DUE_DATE: ActionSpec = { type: "type", url: "/invoices/new", title: "Type in 'Due date' field" };
const NOTES: ActionSpec = { type: "type", url: "/invoices/new", title: "Type in 'Notes' field" };

const clock = createManualClock();
const publisher = recordingPublisher();
let server: TestServer;
let decisions: ReturnType<typeof recordDecisions>;

beforeAll(async () => {
  server = await startTestServer({ clock, publish: publisher.publish, env: FAST });
  decisions = recordDecisions(server.suggestions);
});
afterAll(async () => {
  await server.close();
});

const push = (sid: string, specs: ActionSpec[]) => pushActions(server.url, sid, specs, clock.now());
const refOf = async (sid: string, s = server) => (await s.repos.sessions.idByKey("demo", sid))!;
/** Pushes and returns the decision the push led to. */
async function pushAndDecide(sid: string, specs: ActionSpec[]) {
  await push(sid, specs);
  return decisions.next({ sessionId: sid });
}

describe("suggestion delivery (rules model)", () => {
  it("publishes the next workflow step, stores it, and shows it with the decision in the admin context", async () => {
    const d = await pushAndDecide("g-deliver", START_INVOICE);
    expect(d).toMatchObject({ outcome: "delivered", reason: null, source: "rules", trigger: "activity" });
    const published = publisher.published.find((p) => p.sessionId === "g-deliver")!;
    expect(published).toMatchObject({ id: d.suggestionId, productId: "demo", sessionRef: await refOf("g-deliver"), source: "rules", model: "rules", evidence: [0, 1] });
    expect(published.text).toContain("Choose the customer this invoice is for.");
    expect(published.evidenceActionIds).toHaveLength(2);

    // Pending: this test's publisher is no widget, and only a widget's acknowledgement makes it delivered.
    const stored = (await server.repos.suggestions.findById(d.suggestionId!))!;
    expect(stored).toMatchObject({ status: "pending", source: "rules", signal: "workflow_step", workflowId: "create-invoice", stepId: "pick-customer", usage: null });

    const res = await fetch(`${server.url}/v1/sessions/g-deliver/context`, { headers: adminHeaders });
    const body = (await res.json()) as Record<string, any>;
    expect(body.workflow).toEqual({
      id: "create-invoice",
      name: "Create and send an invoice",
      done_steps: ["open-invoices", "start-invoice"],
      next_step: { id: "pick-customer", hint: "Choose the customer this invoice is for." },
    });
    expect(body.gate).toMatchObject({ state: "proactive", typing: false, dismissals: 0 });
    expect(body.suggestions[0]).toMatchObject({ id: d.suggestionId, status: "pending", source: "rules", text: published.text, evidence: [0, 1] });
    expect(body.decisions[0]).toMatchObject({ outcome: "delivered", reason: null, suggestion_id: d.suggestionId, trigger: "activity" });
  });

  it("records a decline when nothing applies, publishing nothing", async () => {
    const before = publisher.published.length;
    const d = await pushAndDecide("g-decline", [{ url: "/dashboard" }]);
    expect(d).toMatchObject({ outcome: "skipped", reason: "declined", source: "rules", suggestionId: null });
    expect(publisher.published.length).toBe(before);
    expect((await server.repos.suggestions.recentDecisions(await refOf("g-decline"), 5))[0]).toMatchObject({ reason: "declined", detail: "no workflow in progress and no sign of struggle" });
  });
});

describe("gates", () => {
  it("awaiting_interaction: right after a proactive suggestion, nothing more until the interaction timeout", async () => {
    expect((await pushAndDecide("g-await", START_INVOICE)).outcome).toBe("delivered");
    expect(await pushAndDecide("g-await", [CUSTOMER])).toMatchObject({ outcome: "skipped", reason: "awaiting_interaction", source: null });
  });

  it("cooldown: after the interaction timeout, the cooldown still holds until it ends", async () => {
    expect((await pushAndDecide("g-cool", START_INVOICE)).outcome).toBe("delivered");
    clock.advance(25_000);
    expect(await pushAndDecide("g-cool", [CUSTOMER])).toMatchObject({ outcome: "skipped", reason: "cooldown" });
    clock.advance(40_000);
    const d = await pushAndDecide("g-cool", [DUE_DATE]);
    expect(d.outcome).toBe("delivered");
    expect(d.text).toContain("Press 'Save invoice' to create it.");
  });

  it("typing: nothing proactive while the user types; the stop signal, or its expiry, releases it", async () => {
    await push("g-typing", [{ url: "/dashboard" }]);
    await decisions.next({ sessionId: "g-typing" });
    await server.suggestions.noteTyping(await refOf("g-typing"), true);
    expect(await pushAndDecide("g-typing", START_INVOICE)).toMatchObject({ outcome: "skipped", reason: "typing" });
    await server.suggestions.noteTyping(await refOf("g-typing"), false);
    expect((await pushAndDecide("g-typing", [CUSTOMER])).outcome).toBe("delivered");

    await push("g-typing-ttl", [{ url: "/dashboard" }]);
    await decisions.next({ sessionId: "g-typing-ttl" });
    await server.suggestions.noteTyping(await refOf("g-typing-ttl"), true);
    expect(await pushAndDecide("g-typing-ttl", START_INVOICE)).toMatchObject({ reason: "typing" });
    clock.advance(server.config.GATE_TYPING_TTL_MS);
    expect((await pushAndDecide("g-typing-ttl", [CUSTOMER])).outcome).toBe("delivered");
  });

  it("recent_message, then reactive: the user's own message holds proactive suggestions back", async () => {
    await push("g-message", [{ url: "/dashboard" }]);
    await decisions.next({ sessionId: "g-message" });
    await server.suggestions.noteUserMessage(await refOf("g-message"));
    expect(await pushAndDecide("g-message", START_INVOICE)).toMatchObject({ reason: "recent_message" });
    clock.advance(server.config.GATE_RECENT_MESSAGE_MS);
    expect(await pushAndDecide("g-message", [CUSTOMER])).toMatchObject({ reason: "reactive" });
    clock.advance(server.config.GATE_INTERACTION_TIMEOUT_MS);
    expect((await pushAndDecide("g-message", [DUE_DATE])).outcome).toBe("delivered");
  });

  it("dismissal doubles the cooldown; acceptance makes the conversation reactive", async () => {
    const first = await pushAndDecide("g-dismiss", START_INVOICE);
    clock.advance(1_000);
    const fb = await server.suggestions.recordFeedback(first.suggestionId!, "dismissed");
    expect(fb.feedback).toBe("dismissed");
    clock.advance(server.config.GATE_COOLDOWN_MS + 1_000);
    expect(await pushAndDecide("g-dismiss", [CUSTOMER])).toMatchObject({ reason: "cooldown" });
    clock.advance(server.config.GATE_COOLDOWN_MS);
    const second = await pushAndDecide("g-dismiss", [DUE_DATE]);
    expect(second.outcome).toBe("delivered");

    await server.suggestions.recordFeedback(second.suggestionId!, "accepted");
    clock.advance(server.config.GATE_INTERACTION_TIMEOUT_MS - 1);
    expect(await pushAndDecide("g-dismiss", [NOTES])).toMatchObject({ reason: "reactive" });
    const ctx = (await (await fetch(`${server.url}/v1/sessions/g-dismiss/context`, { headers: adminHeaders })).json()) as Record<string, any>;
    expect(ctx.gate).toMatchObject({ state: "reactive", dismissals: 0 });
    expect(ctx.suggestions.map((s: { feedback: string }) => s.feedback)).toEqual(["accepted", "dismissed"]);
  });

  it("refuses feedback and typing for things that do not exist", async () => {
    await expect(server.suggestions.recordFeedback(999_999, "accepted")).rejects.toThrow(/no suggestion 999999/);
    await expect(server.suggestions.noteTyping(999_999, true)).rejects.toThrow(/no session/);
    await expect(server.suggestions.noteUserMessage(999_999)).rejects.toThrow(/no session/);
  });
});

describe("gates with a short cooldown", () => {
  let quick: TestServer;
  let quickDecisions: ReturnType<typeof recordDecisions>;
  const qclock = createManualClock();
  beforeAll(async () => {
    quick = await startTestServer({
      clock: qclock,
      // Steps a second apart: the pace hold (a precision rule with its own tests) is off to look at the gates alone.
      env: { ...FAST, GATE_COOLDOWN_MS: "0", GATE_INTERACTION_TIMEOUT_MS: "0", SUGGESTIONS_PER_HOUR: "2", SUGGEST_PACE_HOLD_MAX_MS: "0" },
    });
    quickDecisions = recordDecisions(quick.suggestions);
  });
  afterAll(async () => {
    await quick.close();
  });
  const decide = async (sid: string, specs: ActionSpec[]) => {
    await pushActions(quick.url, sid, specs, qclock.now());
    return quickDecisions.next({ sessionId: sid });
  };

  it("duplicate: the same suggestion is not shown twice", async () => {
    const first = await decide("q-dup", START_INVOICE);
    expect(first.outcome).toBe("delivered");
    qclock.advance(1_000);
    // Another action that leaves the user on the same step: the rules model says the same thing again.
    const again = await decide("q-dup", [{ type: "click", url: "/invoices/new", title: "Click 'Add line' button" }]);
    expect(again).toMatchObject({ outcome: "skipped", reason: "duplicate", text: first.text });
    expect((await quick.repos.suggestions.findById(again.suggestionId!))!.status).toBe("skipped");
  });

  it("cap: at most SUGGESTIONS_PER_HOUR per session in a rolling hour", async () => {
    expect((await decide("q-cap", START_INVOICE)).outcome).toBe("delivered");
    qclock.advance(1_000);
    expect((await decide("q-cap", [CUSTOMER])).outcome).toBe("delivered");
    qclock.advance(1_000);
    expect(await decide("q-cap", [{ type: "submit", url: "/invoices/new", title: "Submit 'Save invoice' form" }])).toMatchObject({ reason: "cap" });
    qclock.advance(60 * 60 * 1000);
    expect((await decide("q-cap", [{ url: "/invoices/7" }])).outcome).toBe("delivered");
  });
});

describe("gate state across a restart", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps cooldown, dismissals and the delivered history in SQLite", async () => {
    dir = tempDir();
    const databasePath = path.join(dir, "pilotlight.db");
    const rclock = createManualClock();
    const first = await startTestServer({ databasePath, clock: rclock, env: FAST });
    const firstDecisions = recordDecisions(first.suggestions);
    await pushActions(first.url, "r-1", START_INVOICE, rclock.now());
    const delivered = await firstDecisions.next({ sessionId: "r-1" });
    expect(delivered.outcome).toBe("delivered");
    await first.suggestions.recordFeedback(delivered.suggestionId!, "dismissed");
    await first.close();

    rclock.advance(first.config.GATE_COOLDOWN_MS + 1_000); // past one cooldown, inside the doubled one
    const second = await startTestServer({ databasePath, clock: rclock, env: FAST });
    try {
      const secondDecisions = recordDecisions(second.suggestions);
      await pushActions(second.url, "r-1", [CUSTOMER], rclock.now());
      expect(await secondDecisions.next({ sessionId: "r-1" })).toMatchObject({ outcome: "skipped", reason: "cooldown" });
      rclock.advance(second.config.GATE_COOLDOWN_MS);
      await pushActions(second.url, "r-1", [DUE_DATE], rclock.now());
      expect((await secondDecisions.next({ sessionId: "r-1" })).outcome).toBe("delivered");
      const res = await fetch(`${second.url}/v1/sessions/r-1/context`, { headers: adminHeaders });
      const body = (await res.json()) as Record<string, any>;
      expect(body.decisions.map((d: { reason: string | null }) => d.reason)).toEqual([null, "cooldown", null]);
    } finally {
      await second.close();
    }
  });
});

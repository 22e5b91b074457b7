/**
 * Precision — silence when silence is right (issue 14), at the level users work: actions pushed through the
 * real webhook, decisions read back through the admin API, suggestions watched on a real widget socket.
 * Gates are set to let everything through (no cooldown, no interaction wait), so each silence below is the
 * model's own, and each case has a counterpart that is still helped.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createManualClock } from "../helpers/clock.js";
import { FIXTURES_DIR } from "../helpers/fixtures.js";
import { adminHeaders } from "../helpers/signing.js";
import { pushActions, recordDecisions, type ActionSpec } from "../helpers/suggestions.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { connectWidget, record, type WidgetClient } from "../helpers/widget-client.js";

const clock = createManualClock();
let server: TestServer;
let decisions: ReturnType<typeof recordDecisions>;
const sockets: WidgetClient[] = [];

beforeAll(async () => {
  server = await startTestServer({
    clock,
    env: {
      WORKFLOWS_PATH: path.join(FIXTURES_DIR, "workflows-crm.json"),
      SUGGEST_DEBOUNCE_MS: "10", SUGGEST_MAX_WAIT_MS: "100", GATE_COOLDOWN_MS: "0", GATE_INTERACTION_TIMEOUT_MS: "0",
      SUGGEST_REPEAT_WINDOW_MS: "0", DWELL_MS: "1500",
    },
  });
  decisions = recordDecisions(server.suggestions);
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server.close();
});

/** A widget on the session, recording what it is shown. */
async function watch(sessionId: string) {
  const socket = await connectWidget(server.url, { sessionId });
  sockets.push(socket);
  return { created: record(socket, "suggestion:created"), retracted: record(socket, "suggestion:retracted") };
}

/** Pushes through the webhook, waits for the engine's decision, and returns it as the admin API shows it. */
async function decide(sessionId: string, specs: ActionSpec[], gapMs?: number) {
  const next = decisions.next({ sessionId });
  await pushActions(server.url, sessionId, specs, clock.now(), gapMs === undefined ? {} : { gapMs });
  const d = await next;
  return shown(sessionId, d.id);
}

async function shown(sessionId: string, decisionId: number) {
  const res = await fetch(`${server.url}/v1/sessions/${sessionId}/context`, { headers: adminHeaders });
  const body = (await res.json()) as { decisions: { id: number; outcome: string; reason: string | null; detail: string | null; suggestion_id: number | null }[]; suggestions: { id: number; text: string; signal: string; step_id: string | null }[] };
  const decision = body.decisions.find((x) => x.id === decisionId)!;
  return { ...decision, suggestion: body.suggestions.find((s) => s.id === decision.suggestion_id) };
}

const page = (url: string): ActionSpec => ({ url });
const click = (url: string, label: string): ActionSpec => ({ type: "click", url, title: `Click '${label}' button` });
const typeIn = (url: string, label: string): ActionSpec => ({ type: "type", url, title: `Type in '${label}' field` });
const submit = (url: string, label: string): ActionSpec => ({ type: "submit", url, title: `Submit '${label}' form` });

describe("records and lists are distinct places", () => {
  it("list → record → list browsing is not ping-pong, and never names one page twice", async () => {
    const w = await watch("p-browse");
    expect(await decide("p-browse", [page("/companies")])).toMatchObject({ reason: "declined" });
    expect(await decide("p-browse", [page("/companies/12")])).toMatchObject({ reason: "declined" });
    expect(await decide("p-browse", [page("/companies")])).toMatchObject({ reason: "declined" });
    expect(await decide("p-browse", [page("/companies/57")])).toMatchObject({ reason: "declined" });
    expect(await decide("p-browse", [page("/companies")])).toMatchObject({ reason: "declined" });
    expect(w.created).toEqual([]);
  });

  it("a form that redirects back to its list after a submit is not ping-pong", async () => {
    const w = await watch("p-form");
    await decide("p-form", [page("/companies"), page("/companies/new"), typeIn("/companies/new", "Company name")]);
    expect(await decide("p-form", [submit("/companies/new", "Save company"), page("/companies")])).toMatchObject({ reason: "declined" });
    expect(w.created).toEqual([]);
  });

  it("still helps someone bouncing between two different pages, naming both", async () => {
    const w = await watch("p-bounce");
    await decide("p-bounce", [page("/companies"), page("/reports")]);
    const d = await decide("p-bounce", [page("/companies")]);
    expect(d).toMatchObject({ outcome: "delivered", suggestion: { signal: "ping_pong" } });
    expect(d.suggestion!.text).toMatch(/^Going back and forth between Companies and Reports\?/);
    expect(w.created.map((s) => s.id)).toEqual([d.suggestion_id]);
  });
});

describe("a cool-down after a completed workflow", () => {
  const addContact = [page("/contacts"), page("/contacts/new"), typeIn("/contacts/new", "Full name")];

  it("does not nudge into the next workflow from the page the finish lands on", async () => {
    const w = await watch("p-done");
    await decide("p-done", addContact);
    // Saving lands on the new contact's page, which is where logging a call starts.
    const d = await decide("p-done", [submit("/contacts/new", "Save contact"), page("/contacts/314")]);
    expect(d).toMatchObject({ outcome: "skipped", reason: "after_completion" });
    expect(d.detail).toContain("add-contact");
    const ids = w.created.map((s) => s.id);
    expect(await decide("p-done", [click("/contacts/314", "Copy email")])).toMatchObject({ reason: "after_completion" });
    expect(w.created.map((s) => s.id)).toEqual(ids);
  });

  it("helps again once the user goes somewhere else", async () => {
    await decide("p-done-2", addContact);
    await decide("p-done-2", [submit("/contacts/new", "Save contact"), page("/contacts/315")]);
    clock.advance(5_000);
    const d = await decide("p-done-2", [page("/deals")]);
    expect(d).toMatchObject({ outcome: "delivered", suggestion: { step_id: "new-deal" } });
  });
});

describe("pace-aware evaluation", () => {
  const deal = [page("/deals"), page("/deals/new"), typeIn("/deals/new", "Amount"), click("/deals/new", "Stage"), submit("/deals/new", "Create deal")];

  it("leaves someone moving fast through the steps alone: no nudge, so nothing to retract", async () => {
    const w = await watch("p-fast");
    expect(await decide("p-fast", deal.slice(0, 2), 400)).toMatchObject({ reason: "moving_fast" });
    for (const step of deal.slice(2)) {
      clock.advance(400);
      const d = await decide("p-fast", [step]);
      expect(["moving_fast", "after_completion"]).toContain(d.reason);
    }
    expect(w.created).toEqual([]);
    expect(w.retracted).toEqual([]);
  });

  it("suggests the next step once they stop for longer than their own pace", async () => {
    const w = await watch("p-pause");
    expect(await decide("p-pause", deal.slice(0, 2), 400)).toMatchObject({ reason: "moving_fast" });
    // The engine looks again by itself once the user has been still for twice their pace.
    const recheck = decisions.next({ sessionId: "p-pause", trigger: "recheck" });
    clock.advance(2_000);
    const d = await shown("p-pause", (await recheck).id);
    expect(d).toMatchObject({ outcome: "delivered", suggestion: { step_id: "deal-amount" } });
    expect(w.created.map((s) => s.id)).toEqual([d.suggestion_id]);
  });
});

describe("a workflow's own pages keep it current", () => {
  it("after a detour, coming back to the deal form wins over the latest step-like action elsewhere", async () => {
    await decide("p-detour", [page("/deals"), page("/deals/new"), typeIn("/deals/new", "Amount")]);
    await decide("p-detour", [page("/contacts/12"), page("/contacts")]);
    // Back on the deal form; a "Call notes" field there looks like a step of logging a call.
    const d = await decide("p-detour", [page("/deals/new"), typeIn("/deals/new", "Call notes")]);
    expect(d).toMatchObject({ outcome: "delivered", suggestion: { signal: "workflow_step", workflow_id: "create-deal", step_id: "deal-stage" } });
  });

  it("still follows the other workflow when the user stays on its pages", async () => {
    await decide("p-stay", [page("/deals"), page("/deals/new")]);
    const d = await decide("p-stay", [page("/contacts/12"), click("/contacts/12", "Log call")]);
    expect(d).toMatchObject({ outcome: "delivered", suggestion: { step_id: "call-notes" } });
  });
});

describe("idling", () => {
  it("mid-workflow on a page no step names gets the workflow's next step, not a generic offer", async () => {
    const w = await watch("p-idle");
    await decide("p-idle", [page("/contacts/12"), click("/contacts/12", "Log call"), page("/contacts/12/calls/new")]);
    const dwell = decisions.next({ sessionId: "p-idle", trigger: "recheck" });
    clock.advance(60_000);
    const d = await shown("p-idle", (await dwell).id);
    expect(d).toMatchObject({ outcome: "delivered", suggestion: { signal: "dwell", step_id: "call-notes" } });
    expect(d.suggestion!.text).toContain("Write what you talked about in 'Call notes'.");
    expect(w.created.at(-1)!.text).toBe(d.suggestion!.text);
  });

  it("outside any workflow still gets an offer of help", async () => {
    await decide("p-idle-2", [page("/companies"), click("/companies", "Filters")]);
    const dwell = decisions.next({ sessionId: "p-idle-2", trigger: "recheck" });
    clock.advance(60_000);
    const d = await shown("p-idle-2", (await dwell).id);
    expect(d).toMatchObject({ outcome: "delivered", suggestion: { signal: "dwell" } });
    expect(d.suggestion!.text).toMatch(/^Still on Companies after \d+ (seconds|minutes)\. Need a hand with something on Companies\?/);
  });
});

describe("staleness limits", () => {
  it("a session whose last action is days old gets nothing — no 'Still on Home after 120 hours'", async () => {
    const w = await watch("p-old");
    const fiveDays = 5 * 86_400_000;
    const next = decisions.next({ sessionId: "p-old" });
    await pushActions(server.url, "p-old", [page("/"), click("/", "Filters")], clock.now() - fiveDays);
    const d = await shown("p-old", (await next).id);
    expect(d).toMatchObject({ outcome: "skipped", reason: "stale" });
    expect(d.detail).toContain("old when it arrived");
    expect(w.created).toEqual([]);
  });

  it("a live session idle for a minute is still helped", async () => {
    const w = await watch("p-live");
    await decide("p-live", [page("/"), click("/", "Filters")]);
    const dwell = decisions.next({ sessionId: "p-live", trigger: "recheck" });
    clock.advance(60_000);
    const d = await shown("p-live", (await dwell).id);
    expect(d).toMatchObject({ outcome: "delivered", suggestion: { signal: "dwell" } });
    expect(d.suggestion!.text).toMatch(/^Still on Home after (60 seconds|1 minutes)/);
    expect(w.created).toHaveLength(1);
  });
});

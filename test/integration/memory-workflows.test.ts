/**
 * User memory meets per-product workflows and truthful progress (issues 13 and 14 together), through the
 * real HTTP endpoints and a real widget socket:
 * - a submit the form's validation rejected completes no step, in the live progress and in the stored attempt
 *   alike; its validation message is the attempt's last issue, and three such failures in one workflow fire
 *   the repeated-failure trigger;
 * - each product's memory, triggers and knowledge state use only its own workflows;
 * - replacing a product's workflows through the admin API keeps its users' knowledge state right.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminLiftResponse, AdminSessionAnalysisResponse, AdminUserMemoryResponse } from "../../server/contracts/admin.js";
import { addProduct, adminGet } from "../helpers/admin.js";
import { ALLOWED_ORIGIN, batch, rawEvent, sendCapture } from "../helpers/capture.js";
import { createManualClock } from "../helpers/clock.js";
import { adminHeaders, pushEvent } from "../helpers/signing.js";
import { pushActions, recordDecisions, type ActionSpec } from "../helpers/suggestions.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { connectWidget, nextEvent, userHash } from "../helpers/widget-client.js";
import { BLOG_WORKFLOWS } from "../helpers/workflows.js";

const clock = createManualClock();
let server: TestServer;
let decisions: ReturnType<typeof recordDecisions>;

beforeAll(async () => {
  server = await startTestServer({
    clock,
    env: {
      ALLOWED_ORIGINS: ALLOWED_ORIGIN, SUGGEST_DEBOUNCE_MS: "10", SUGGEST_MAX_WAIT_MS: "100",
      GATE_COOLDOWN_MS: "0", GATE_INTERACTION_TIMEOUT_MS: "0", SUGGEST_PACE_HOLD_MAX_MS: "0",
    },
  });
  decisions = recordDecisions(server.suggestions);
  await addProduct(server, "blog");
});
afterAll(async () => {
  await server.close();
});

const get = <T>(path: string, status = 200) => adminGet<T>(server, path, status);

async function putWorkflows(productId: string, document: unknown) {
  const res = await fetch(`${server.url}/v1/admin/workflows?product_id=${productId}`, {
    method: "PUT", headers: { ...adminHeaders, "content-type": "application/json" }, body: JSON.stringify(document),
  });
  expect(res.status).toBe(200);
}

/** Pushes as a trusted source naming the user (in `productId`), and waits for the evaluation, which syncs memory first. */
async function push(sessionId: string, specs: ActionSpec[], userId: string, productId = "demo") {
  const next = decisions.next({ sessionId });
  if (productId === "demo") {
    await pushActions(server.url, sessionId, specs, clock.now(), { userId });
  } else {
    const actions = specs.map((s, i) => ({
      type: s.type ?? "pageview", title: s.title ?? `Page Load: ${s.url}`, description: s.title ?? `User landed on ${s.url}`,
      canonical_url: s.url, timestamp_start: clock.now() / 1000 + i * 0.001,
    }));
    const res = await pushEvent(server.url, { type: "actions", product_id: productId, session_id: sessionId, user_id: userId, actions }, "connector");
    expect(res.status).toBe(202);
  }
  const decision = await next;
  clock.advance(3_000);
  return decision;
}

const page = (url: string): ActionSpec => ({ url });
const typeIn = (url: string, label: string): ActionSpec => ({ type: "type", url, title: `Type in '${label}' field` });
const submit = (url: string, label: string): ActionSpec => ({ type: "submit", url, title: `Submit '${label}' form` });
const click = (url: string, label: string): ActionSpec => ({ type: "click", url, title: `Click '${label}' button` });
const invalid = (url: string, label: string, message: string): ActionSpec => ({ type: "invalid", url, title: `Invalid '${label}' field: ${message}` });
const TEAM = "/settings/team";

describe("a submit the form's validation rejected", () => {
  const shop = "https://shop.example.com";
  const form = { tag: "form", aria_label: "New invoice", submitter: "Save invoice" } as const;
  const amount = { tag: "input", input_type: "text", label: "Amount", form: "New invoice" } as const;

  it("completes no step in the session's progress nor in its stored attempt, and its message is the attempt's last issue", async () => {
    const next = decisions.next({ sessionId: "val-cap" });
    const events = [
      rawEvent("pageview", `${shop}/invoices`),
      rawEvent("pageview", `${shop}/invoices/new`),
      rawEvent("change", `${shop}/invoices/new`, { tag: "select", label: "Customer", form: "New invoice" }),
      rawEvent("submit", `${shop}/invoices/new`, form),
      rawEvent("invalid", `${shop}/invoices/new`, amount, { message: "Enter an amount greater than zero.", validity: "custom" }),
      rawEvent("invalid", `${shop}/invoices/new`, { ...amount, label: "Due date" }, { message: "Pick a due date.", validity: "custom" }),
    ];
    expect((await sendCapture(server.url, batch("val-cap", events))).status).toBe(202);
    await next;

    const context = await get<{ workflow: { id: string; next_step: { id: string } } }>("/v1/sessions/val-cap/context");
    expect(context.workflow).toMatchObject({ id: "create-invoice", next_step: { id: "save-invoice" } });
    const attempt = (await get<AdminSessionAnalysisResponse>("/v1/admin/sessions/val-cap/analysis")).tasks[0]!.attempts[0]!;
    expect(attempt).toMatchObject({
      outcome: "in_progress", completion_pct: 60, remaining_steps: ["save-invoice", "send-invoice"],
      struggle: { failed_submits: 1 }, last_issue_code: "failed_submit",
    });
    expect(attempt.matched_steps.map((s) => s.step_id)).toEqual(["open-invoices", "start-invoice", "pick-customer"]);
    // One rejected submit is one failure, however many fields it names; the message the user saw is the issue.
    expect(attempt.last_issue).toBe("Invalid 'Amount' field: Enter an amount greater than zero. (submitting 'New invoice' on Invoices › New)");

    // The form again, now valid: the step is done in both, and the failure is not counted twice.
    const saved = decisions.next({ sessionId: "val-cap" });
    expect((await sendCapture(server.url, batch("val-cap", [rawEvent("submit", `${shop}/invoices/new`, form), rawEvent("pageview", `${shop}/invoices/42`)]))).status).toBe(202);
    await saved;
    expect((await get<{ workflow: { next_step: { id: string } } }>("/v1/sessions/val-cap/context")).workflow).toMatchObject({ next_step: { id: "send-invoice" } });
    const after = (await get<AdminSessionAnalysisResponse>("/v1/admin/sessions/val-cap/analysis")).tasks[0]!.attempts[0]!;
    expect(after).toMatchObject({ completion_pct: 80, remaining_steps: ["send-invoice"], struggle: { failed_submits: 1 } });
  });

  it("three times in one workflow fires the repeated-failure trigger at the user's widget, and stays in their memory", async () => {
    const socket = await connectWidget(server.url, { sessionId: "val-rf", userId: "vic", userHash: userHash("vic") }, { origin: ALLOWED_ORIGIN });
    try {
      const shown = nextEvent(socket, "suggestion:created", (s) => /tries/.test(s.text));
      const attempts: ActionSpec[] = [];
      for (let i = 0; i < 3; i++) attempts.push(submit(TEAM, "Invite"), invalid(TEAM, "Email", "Enter a valid email address."));
      await push("val-rf", [page(TEAM), typeIn(TEAM, "Email"), ...attempts], "vic");
      expect((await shown).text).toMatch(/^That's 3 tries to invite a teammate that didn't go through\./);
    } finally {
      socket.close();
    }
    const memory = await get<AdminUserMemoryResponse>("/v1/admin/users/vic/memory");
    expect(memory.knowledge_state.in_progress).toEqual({
      "invite-teammate": { attempts: 1, last_issue: "Invalid 'Email' field: Enter a valid email address. (submitting 'Invite' on Settings › Team)", best_completion_pct: 66.7 },
    });
  });

  it("without a submit sent (the browser's own validation stopped it) is a failed submit too, once per run of invalid fields", async () => {
    await push("val-native", [page(TEAM), typeIn(TEAM, "Email"), click(TEAM, "Send invite"), invalid(TEAM, "Email", "Please include an '@'."), invalid(TEAM, "Name", "Required.")], "nat");
    const attempt = (await get<AdminSessionAnalysisResponse>("/v1/admin/sessions/val-native/analysis")).tasks[0]!.attempts[0]!;
    expect(attempt).toMatchObject({ outcome: "in_progress", struggle: { failed_submits: 1 }, last_issue: "Invalid 'Email' field: Please include an '@'. on Settings › Team" });
  });
});

describe("each product's own workflows", () => {
  it("a product's memory, attempts and knowledge state use only its workflows", async () => {
    await putWorkflows("blog", BLOG_WORKFLOWS);
    // The demo's invoice pages mean nothing in the blog product; its own editor does.
    await push("blog-1", [page("/invoices"), page("/invoices/new"), page("/posts/new"), typeIn("/posts/new", "Title")], "bea", "blog");
    const analysis = await get<AdminSessionAnalysisResponse>("/v1/admin/sessions/blog-1/analysis?product_id=blog");
    expect(analysis.tasks.map((t) => t.workflow_id)).toEqual(["publish-post"]);
    expect(analysis.untouched).toEqual([]);
    const blog = await get<AdminUserMemoryResponse>("/v1/admin/users/bea/memory?product_id=blog");
    expect(blog.knowledge_state).toEqual({ mastered: [], in_progress: { "publish-post": { attempts: 1, last_issue: null, best_completion_pct: 66.7 } }, untouched: [] });
    expect(blog.overall_completion_pct).toBe(66.7);

    // The same user in the demo product: only the demo's workflows, all untouched there.
    await push("demo-bea", [page("/settings/team")], "bea");
    const demo = await get<AdminUserMemoryResponse>("/v1/admin/users/bea/memory");
    expect(demo.knowledge_state).toEqual({ mastered: [], in_progress: {}, untouched: ["create-invoice", "invite-teammate", "export-report", "update-billing"] });
    expect(demo.overall_completion_pct).toBe(0);
  });

  it("a product's triggers and suggestions name only its own workflows", async () => {
    // Failed invites on the demo's team page, in the blog product: struggle help, never the demo's workflow.
    const fails: ActionSpec[] = [];
    for (let i = 0; i < 3; i++) fails.push(submit(TEAM, "Invite"), invalid(TEAM, "Email", "Enter a valid email address."));
    const decision = await push("blog-rf", [page(TEAM), typeIn(TEAM, "Email"), ...fails], "bob", "blog");
    expect(decision.outcome).toBe("delivered");
    expect(await server.repos.suggestions.findById(decision.suggestionId!)).toMatchObject({ signal: "repeated_submit", workflowId: null, stepId: null });
    expect(decision.rules.map((r) => r.code)).not.toContain("trigger:repeated_failure");
    expect(await server.sql.value("SELECT count(*) AS n FROM workflow_attempts WHERE product_id = 'blog' AND workflow_id <> 'publish-post'")).toBe(0);
  });
});

describe("a product's workflows replaced through the admin API", () => {
  const invite = { id: "invite-teammate", name: "Invite a teammate", steps: [
    { id: "open-team", match: { url: TEAM }, hint: "Open Settings → Team." },
    { id: "enter-email", match: { type: "type", text: "email" }, hint: "Type your teammate's email address." },
    { id: "send-invite", match: { type: "submit", text: "invite" }, hint: "Press 'Send invite'." },
  ] };
  const billing = { id: "update-billing", name: "Update the payment method", steps: [
    { id: "open-billing", match: { url: "/settings/billing" }, hint: "Open Settings → Billing." },
    { id: "open-card-form", match: { type: "click", text: "payment method" }, hint: "Click 'Update payment method'." },
    { id: "save-card", match: { type: "submit", url: "/settings/billing" }, hint: "Press 'Save card'." },
  ] };

  it("drops a removed workflow from the knowledge state (its attempts are kept, and count again if it comes back); a restructured one starts afresh", async () => {
    await addProduct(server, "acme");
    await putWorkflows("acme", { workflows: [invite, billing] });
    await push("acme-1", [page(TEAM), typeIn(TEAM, "Email"), submit(TEAM, "Invite"), page("/settings/billing"), click("/settings/billing", "Update payment method")], "amy", "acme");
    const before = await get<AdminUserMemoryResponse>("/v1/admin/users/amy/memory?product_id=acme");
    expect(before.knowledge_state).toEqual({ mastered: ["invite-teammate"], in_progress: { "update-billing": { attempts: 1, last_issue: null, best_completion_pct: 66.7 } }, untouched: [] });
    expect(before.overall_completion_pct).toBe(83.4); // (100 + 66.7) / 2
    const liftBefore = await get<AdminLiftResponse>("/v1/admin/stats/lift?product_id=acme");
    expect(liftBefore.completion.with_suggestions.units + liftBefore.completion.with_suggestions.in_progress).toBe(2);

    // Invite removed, billing kept as it was, a new one added.
    const post = BLOG_WORKFLOWS.workflows[0]!;
    await putWorkflows("acme", { workflows: [billing, post] });
    const removed = await get<AdminUserMemoryResponse>("/v1/admin/users/amy/memory?product_id=acme");
    expect(removed.knowledge_state).toEqual({ mastered: [], in_progress: { "update-billing": { attempts: 1, last_issue: null, best_completion_pct: 66.7 } }, untouched: ["publish-post"] });
    expect(removed.overall_completion_pct).toBe(33.4); // (66.7 + 0) / 2
    expect((await get<AdminSessionAnalysisResponse>("/v1/admin/sessions/acme-1/analysis?product_id=acme")).tasks.map((t) => t.workflow_id)).toEqual(["update-billing"]);
    const liftAfter = await get<AdminLiftResponse>("/v1/admin/stats/lift?product_id=acme");
    expect(liftAfter.completion.with_suggestions.units + liftAfter.completion.with_suggestions.in_progress).toBe(1);
    // A session going on meanwhile does not continue (or start) an attempt at the removed workflow.
    await push("acme-1", [page(TEAM), typeIn(TEAM, "Email")], "amy", "acme");
    expect(await server.sql.value("SELECT count(*) AS n FROM workflow_attempts WHERE product_id = 'acme' AND workflow_id = 'invite-teammate'")).toBe(1);

    // Back as it was: the kept attempts count again.
    await putWorkflows("acme", { workflows: [invite, billing, post] });
    const back = await get<AdminUserMemoryResponse>("/v1/admin/users/amy/memory?product_id=acme");
    expect(back.knowledge_state.mastered).toEqual(["invite-teammate"]);

    // The same id with other steps is another workflow: what was done before does not map onto it.
    const reworked = { ...invite, steps: [invite.steps[0]!, { id: "pick-role", match: { type: "click", text: "role" }, hint: "Pick a role." }, invite.steps[2]!] };
    await putWorkflows("acme", { workflows: [reworked, billing, post] });
    const fresh = await get<AdminUserMemoryResponse>("/v1/admin/users/amy/memory?product_id=acme");
    expect(fresh.knowledge_state.mastered).toEqual([]);
    expect(fresh.knowledge_state.untouched).toEqual(["invite-teammate", "publish-post"]);
    await push("acme-2", [page(TEAM), click(TEAM, "Role"), submit(TEAM, "Invite")], "amy", "acme");
    const redone = await get<AdminSessionAnalysisResponse>("/v1/admin/sessions/acme-2/analysis?product_id=acme");
    expect(redone.tasks[0]).toMatchObject({ workflow_id: "invite-teammate", attempts: [{ outcome: "completed", completion_pct: 100 }] });
  });

  it("a workflow published to a product that had none takes in what its sessions did before", async () => {
    // Without workflows, user memory keeps nothing per session (nothing to track); once one is published, a
    // session going on is scanned from its start, so the steps taken before the workflow existed count.
    await addProduct(server, "late");
    await push("late-1", [page(TEAM), typeIn(TEAM, "Email")], "lee", "late");
    expect(await server.sql.value("SELECT count(*) AS n FROM memory_cursors WHERE product_id = 'late'")).toBe(0);
    await putWorkflows("late", { workflows: [invite] });
    await push("late-1", [submit(TEAM, "Invite")], "lee", "late");
    const memory = await get<AdminUserMemoryResponse>("/v1/admin/users/lee/memory?product_id=late");
    expect(memory.knowledge_state.mastered).toEqual(["invite-teammate"]);
    const analysis = await get<AdminSessionAnalysisResponse>("/v1/admin/sessions/late-1/analysis?product_id=late");
    expect(analysis.tasks[0]).toMatchObject({ workflow_id: "invite-teammate", attempts: [{ outcome: "completed", completion_pct: 100 }] });
  });
});

import path from "node:path";
import { describe, expect, it } from "vitest";
import { pageLabel, targetLabel } from "../../server/sessions/action-labels.js";
import { suggestWithRules } from "../../server/suggest/rules.model.js";
import { detectStruggle, lastActivityTime } from "../../server/suggest/struggle-detectors.js";
import type { SuggestionInput } from "../../server/suggest/suggestion-model.js";
import { loadWorkflows } from "../../server/workflows/load-workflows.js";
import { currentWorkflow } from "../../server/workflows/workflow-progress.js";
import { click, pageview, submit, typeIn, windowOf } from "../helpers/actions.js";
import { FIXTURES_DIR } from "../helpers/fixtures.js";

const workflows = loadWorkflows(path.resolve(FIXTURES_DIR, "../../workflows.example.json"));
const hintOf = (wf: string, step: string) => workflows.find((w) => w.id === wf)!.steps.find((s) => s.id === step)!.hint;
const T0 = 1_800_000_000; // Unix seconds
const DWELL_MS = 45_000;

/** Runs the rules model the way the engine does: placement and signals computed from the window and now. */
function rules(specs: Parameters<typeof windowOf>[0], nowMs = T0 * 1000 + 5_000) {
  const window = windowOf(specs);
  const input: SuggestionInput = {
    sessionId: "s1",
    goal: null,
    summary: null,
    window,
    workflows,
    placement: currentWorkflow(workflows, window),
    signals: detectStruggle(window, { now: nowMs, lastActivityAt: lastActivityTime(window, nowMs), dwellMs: DWELL_MS }),
    now: nowMs,
  };
  return suggestWithRules(input);
}

describe("rules model: workflow placement", () => {
  it("suggests the next step of the workflow the user is in, quoting its hint verbatim", () => {
    const r = rules([pageview("https://app.example.com/invoices", T0), pageview("/invoices/new", T0 + 2)]);
    expect(r.kind).toBe("suggestion");
    if (r.kind !== "suggestion") return;
    expect(r.text).toContain(hintOf("create-invoice", "pick-customer"));
    expect(r.text).toBe("You're on step 3 of 5 to create and send an invoice. Next: Choose the customer this invoice is for.");
    expect(r).toMatchObject({ signal: "workflow_step", workflowId: "create-invoice", stepId: "pick-customer", model: "rules", evidence: [0, 1] });
  });

  it("follows the workflow with the most recent progress", () => {
    const r = rules([pageview("/invoices", T0), pageview("/settings/team", T0 + 1), typeIn("/settings/team", "Email", T0 + 2)]);
    expect(r.kind === "suggestion" && r.text).toContain(hintOf("invite-teammate", "send-invite"));
  });

  it("declines when the user is in no workflow and shows no struggle", () => {
    expect(rules([pageview("/dashboard", T0), click("/dashboard", "Refresh", T0 + 2)])).toMatchObject({ kind: "decline", model: "rules" });
  });

  it("declines once the workflow is complete", () => {
    const r = rules([pageview("/reports", T0), click("/reports", "Export CSV", T0 + 3)]);
    expect(r.kind).toBe("decline");
  });

  it("is deterministic: the same input gives the same output", () => {
    const specs = [pageview("/settings/billing", T0), click("/settings/billing", "Update payment method", T0 + 1)];
    expect(rules(specs)).toEqual(rules(specs));
  });
});

describe("rules model: struggle detectors", () => {
  it("spots rage clicks (≥ 3 on one target within 1 s) and names the button", () => {
    const r = rules([pageview("/dashboard", T0), click("/dashboard", "Refresh", T0 + 1), click("/dashboard", "Refresh", T0 + 1.3), click("/dashboard", "Refresh", T0 + 1.6)]);
    expect(r).toMatchObject({ kind: "suggestion", signal: "rage_click", evidence: [1, 2, 3], workflowId: null });
    expect(r.kind === "suggestion" && r.text).toBe(
      "'Refresh' doesn't seem to respond — you clicked it 3 times in a row. Tell me what you expected 'Refresh' to do and I'll help you get there another way.",
    );
  });

  it("does not call three slow clicks rage, nor clicks on different targets", () => {
    expect(rules([click("/d", "Refresh", T0), click("/d", "Refresh", T0 + 0.8), click("/d", "Refresh", T0 + 1.9)]).kind).toBe("decline");
    expect(rules([click("/d", "A", T0), click("/d", "B", T0 + 0.1), click("/d", "C", T0 + 0.2)]).kind).toBe("decline");
    // Without timestamps there is no way to tell a rage click from three deliberate ones.
    expect(rules([click("/d", "Refresh"), click("/d", "Refresh"), click("/d", "Refresh")]).kind).toBe("decline");
  });

  it("points rage clicks on a workflow's page at that workflow's next step", () => {
    const r = rules([pageview("/settings/billing", T0), ...[0, 0.2, 0.4].map((d) => click("/settings/billing", "Save", T0 + 1 + d))]);
    expect(r).toMatchObject({ signal: "rage_click", workflowId: "update-billing", stepId: "open-card-form" });
    expect(r.kind === "suggestion" && r.text).toContain(hintOf("update-billing", "open-card-form"));
    expect(r.kind === "suggestion" && r.text).toContain("'Save'");
  });

  it("spots the same form submitted again without leaving the page", () => {
    const r = rules([pageview("/signup", T0), submit("/signup", "Create account", T0 + 10), submit("/signup", "Create account", T0 + 25)]);
    expect(r).toMatchObject({ kind: "suggestion", signal: "repeated_submit", evidence: [1, 2] });
    expect(r.kind === "suggestion" && r.text).toContain("You've submitted 'Create account' 2 times in 15 seconds");
  });

  it("does not count submits far apart in time or separated by a successful navigation", () => {
    expect(rules([submit("/signup", "Create account", T0), submit("/signup", "Create account", T0 + 120)]).kind).toBe("decline");
    // (That last sequence is an A→B→A bounce, so it is a ping-pong — but not a repeated submit.)
    const r = rules([submit("/f", "Save", T0), pageview("/done", T0 + 1), pageview("/f", T0 + 2), submit("/f", "Save", T0 + 3)]);
    expect(r.kind === "suggestion" && r.signal).toBe("ping_pong");
  });

  it("points repeated submits inside a workflow at its next step", () => {
    const r = rules([
      pageview("/settings/team", T0), typeIn("/settings/team", "Email", T0 + 1),
      submit("/settings/team", "Save", T0 + 3), submit("/settings/team", "Save", T0 + 6),
    ]);
    expect(r).toMatchObject({ signal: "repeated_submit", workflowId: "invite-teammate", stepId: "send-invite" });
    expect(r.kind === "suggestion" && r.text).toContain(hintOf("invite-teammate", "send-invite"));
  });

  it("spots A→B→A ping-pong after collapsing repeats on one page", () => {
    const r = rules([
      pageview("/help", T0), click("/help", "Search", T0 + 1), click("/help", "Search", T0 + 5),
      pageview("/pricing", T0 + 8), pageview("/help", T0 + 12),
    ]);
    expect(r).toMatchObject({ kind: "suggestion", signal: "ping_pong", evidence: [2, 3, 4], workflowId: null });
    expect(r.kind === "suggestion" && r.text).toBe("Going back and forth between Help and Pricing? Tell me what you're looking for and I'll point you to it.");
  });

  it("does not call A→A→B a ping-pong, nor an old bounce the user has moved on from", () => {
    expect(rules([pageview("/help", T0), pageview("/help", T0 + 1), pageview("/pricing", T0 + 2)]).kind).toBe("decline");
    const settled = [pageview("/help", T0), pageview("/pricing", T0 + 1), pageview("/help", T0 + 2), ...[1, 2, 3, 4].map((i) => click("/help", `Topic ${i}`, T0 + 2 + i))];
    expect(rules(settled).kind).toBe("decline");
  });

  it("points ping-pong between a workflow's pages at its next step", () => {
    const r = rules([pageview("/invoices", T0), pageview("/invoices/new", T0 + 2), pageview("/invoices", T0 + 4)]);
    expect(r).toMatchObject({ signal: "ping_pong", workflowId: "create-invoice", stepId: "pick-customer" });
    expect(r.kind === "suggestion" && r.text).toBe(
      "Going back and forth between Invoices and Invoices › New? Next step to create and send an invoice: Choose the customer this invoice is for.",
    );
  });

  it("spots dwell on one page measured against now, not against the last action", () => {
    const specs = [pageview("/dashboard", T0), click("/dashboard", "Filters", T0 + 2)];
    expect(rules(specs, (T0 + 2) * 1000 + DWELL_MS - 1).kind).toBe("decline");
    const r = rules(specs, (T0 + 2) * 1000 + 3 * 60_000);
    expect(r).toMatchObject({ kind: "suggestion", signal: "dwell", evidence: [1] });
    expect(r.kind === "suggestion" && r.text).toBe("Still on Dashboard after 3 minutes. Need a hand with something on Dashboard? Ask me here.");
  });

  it("points dwell on a workflow's page at that workflow's next step", () => {
    const r = rules([pageview("/settings/billing", T0)], T0 * 1000 + 60_000);
    expect(r).toMatchObject({ signal: "dwell", workflowId: "update-billing", stepId: "open-card-form" });
    expect(r.kind === "suggestion" && r.text).toBe("Still on Settings › Billing after 60 seconds. Next step to update the payment method: Click 'Update payment method'.");
  });

  it("ranks signals: rage clicks before dwell", () => {
    const specs = [pageview("/d", T0), ...[0, 0.1, 0.2].map((d) => click("/d", "Go", T0 + 1 + d))];
    const window = windowOf(specs);
    const signals = detectStruggle(window, { now: T0 * 1000 + 600_000, lastActivityAt: lastActivityTime(window, 0), dwellMs: DWELL_MS });
    expect(signals.map((s) => s.kind)).toEqual(["rage_click", "dwell"]);
  });
});

describe("labels", () => {
  it("names targets and pages the way the product shows them", () => {
    expect(targetLabel({ title: "Click 'Export CSV' button", description: "" })).toBe("Export CSV");
    expect(targetLabel({ title: "Clicked Save changes", description: "" })).toBe("Save changes");
    expect(pageLabel("https://app.example.com/settings/billing?tab=1")).toBe("Settings › Billing");
    expect(pageLabel("/invoices/:id/edit")).toBe("Invoices › Edit");
    expect(pageLabel("/")).toBe("Home");
  });

  it("names a record apart from its list", () => {
    expect(pageLabel("/contacts")).toBe("Contacts");
    expect(pageLabel("/contacts/42")).toBe("a record in Contacts");
    expect(pageLabel("https://crm.example.com/contacts/:id")).toBe("a record in Contacts");
  });
});

describe("ping-pong and places", () => {
  it("does not call list → record → list browsing, with real or canonical ids, a bounce", () => {
    expect(rules([pageview("/contacts", T0), pageview("/contacts/12", T0 + 3), pageview("/contacts", T0 + 6)]).kind).toBe("decline");
    expect(rules([pageview("/contacts", T0), pageview("/contacts/:id", T0 + 3), pageview("/contacts", T0 + 6), pageview("/contacts/:id", T0 + 9)]).kind).toBe("decline");
    // Two records of one list are one place: no A→B→A between them either.
    expect(rules([pageview("/contacts/12", T0), pageview("/contacts/57", T0 + 3), pageview("/contacts/12", T0 + 6)]).kind).toBe("decline");
  });

  it("does not call a form that redirects back after its submit a bounce, but does call leaving it unsent twice one", () => {
    expect(rules([pageview("/notes", T0), pageview("/notes/new", T0 + 2), submit("/notes/new", "Save note", T0 + 9), pageview("/notes", T0 + 10)]).kind).toBe("decline");
    const r = rules([pageview("/notes", T0), pageview("/notes/new", T0 + 2), pageview("/notes", T0 + 4)]);
    expect(r.kind === "suggestion" && r.text).toBe("Going back and forth between Notes and Notes › New? Tell me what you're looking for and I'll point you to it.");
  });
});

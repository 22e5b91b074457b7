import path from "node:path";
import { describe, expect, it } from "vitest";
import { ActionsPayloadSchema } from "../../server/ingest/autoplay.schema.js";
import { rawEventsToPayload } from "../../server/ingest/raw-events/build-payload.js";
import type { RawEvent } from "../../server/ingest/raw-events/raw-event.schema.js";
import { loadWorkflows } from "../../server/workflows/load-workflows.js";
import { currentWorkflow, workflowProgress } from "../../server/workflows/workflow-progress.js";
import { FIXTURES_DIR } from "../helpers/fixtures.js";

/** The demo's golden paths ("Acme Invoices"). */
const workflows = loadWorkflows(path.resolve(FIXTURES_DIR, "../../workflows.example.json"));
const byId = (id: string) => workflows.find((w) => w.id === id)!;
const ORIGIN = "http://127.0.0.1:3000";

let clock = 1_764_000_000_000;
function ev(type: RawEvent["type"], pathname: string, target?: RawEvent["target"], title?: string): RawEvent {
  clock += 1500;
  return { type, ts: clock, url: `${ORIGIN}${pathname}`, ...(title ? { title } : {}), ...(target ? { target } : {}) };
}

function run(events: RawEvent[]) {
  return rawEventsToPayload({ sessionId: "demo-session", userId: "u1", email: null, forwardedAt: 1_764_000_100, events });
}

describe("demo interactions through the pipeline match the golden paths", () => {
  it("create and send an invoice", () => {
    const payload = run([
      ev("pageview", "/dashboard", undefined, "Dashboard · Acme Invoices"),
      ev("click", "/dashboard", { tag: "a", text: "Invoices", href: "/invoices" }),
      ev("pageview", "/invoices", undefined, "Invoices · Acme Invoices"),
      ev("click", "/invoices", { tag: "a", text: "New invoice", href: "/invoices/new", role: "button" }),
      ev("pageview", "/invoices/new", undefined, "New invoice · Acme Invoices"),
      ev("change", "/invoices/new", { tag: "select", label: "Customer", name: "customer", form: "new-invoice" }),
    ]);
    expect(payload.actions.map((a) => a.type)).toEqual(["pageview", "click", "pageview", "click", "pageview", "type"]);
    expect(payload.actions[5]!.title).toMatch(/customer/i);
    let progress = currentWorkflow(workflows, payload.actions);
    expect(progress?.workflow.id).toBe("create-invoice");
    expect(progress?.nextStep?.id).toBe("save-invoice");

    const later = run([
      ...payload.actions.map((): RawEvent => ev("pageview", "/invoices/new")),
      ev("submit", "/invoices/new", { tag: "form", id: "new-invoice", submitter: "Save invoice" }),
      ev("pageview", "/invoices/1042", undefined, "Invoice INV-1042 · Acme Invoices"),
    ]);
    progress = currentWorkflow(workflows, later.actions);
    expect(progress?.nextStep?.id).toBe("send-invoice");
    expect(later.actions.at(-1)!.canonical_url).toBe(`${ORIGIN}/invoices/:id`);

    const sent = run([ev("click", "/invoices/1042", { tag: "button", text: "Send invoice" })]);
    expect(sent.actions[0]!.title).toBe("Click 'Send invoice' button");
    expect(workflowProgress(byId("create-invoice"), [...later.actions, ...sent.actions]).complete).toBe(true);
  });

  it("a text input labelled Customer is a `type` action containing 'customer'", () => {
    const { actions } = run([ev("change", "/invoices/new", { tag: "input", input_type: "text", label: "Customer" })]);
    expect(actions[0]).toMatchObject({ type: "type" });
    // Step 1 ("start-invoice") matches any action on /invoices/new; step 2 is the typed customer.
    expect(workflowProgress(byId("create-invoice"), actions).doneSteps).toEqual([1, 2]);
  });

  it("invite a teammate", () => {
    const { actions } = run([
      ev("pageview", "/settings/team"),
      ev("change", "/settings/team", { tag: "input", input_type: "email", label: "Email address", form: "invite-teammate" }),
    ]);
    expect(currentWorkflow(workflows, actions)?.nextStep?.id).toBe("send-invite");
    const submitted = run([ev("submit", "/settings/team", { tag: "form", id: "invite-teammate", submitter: "Send invite" })]);
    expect(submitted.actions[0]!.type).toBe("submit");
    expect(submitted.actions[0]!.title).toBe("Submit 'Invite teammate' form");
    expect(workflowProgress(byId("invite-teammate"), [...actions, ...submitted.actions]).complete).toBe(true);
  });

  it("an invite form named only by its button still matches 'invite'", () => {
    const { actions } = run([ev("submit", "/settings/team", { tag: "form", submitter: "Send invite" })]);
    expect(workflowProgress(byId("invite-teammate"), actions).doneSteps).toEqual([0, 2]);
  });

  it("export a report", () => {
    const { actions } = run([
      ev("pageview", "/reports"),
      ev("change", "/reports", { tag: "select", label: "Date range", name: "range" }),
    ]);
    expect(actions[1]!.description.toLowerCase()).toContain("date range");
    const progress = currentWorkflow(workflows, actions);
    expect(progress?.workflow.id).toBe("export-report");
    expect(progress?.nextStep?.id).toBe("export-csv");
    const exported = run([ev("click", "/reports", { tag: "button", text: "Export CSV" })]);
    expect(workflowProgress(byId("export-report"), [...actions, ...exported.actions]).complete).toBe(true);
  });

  it("update the payment method", () => {
    const { actions } = run([
      ev("pageview", "/settings/billing"),
      ev("click", "/settings/billing", { tag: "button", text: "Update payment method" }),
    ]);
    expect(currentWorkflow(workflows, actions)?.nextStep?.id).toBe("save-card");
    const saved = run([ev("submit", "/settings/billing", { tag: "form", aria_label: "Payment card", submitter: "Save card" })]);
    expect(workflowProgress(byId("update-billing"), [...actions, ...saved.actions]).complete).toBe(true);
  });
});

describe("rawEventsToPayload", () => {
  it("builds a valid Autoplay actions payload, indexed in order", () => {
    const payload = run([ev("pageview", "/dashboard"), ev("click", "/dashboard", { tag: "button", text: "Refresh" })]);
    expect(payload).toMatchObject({ type: "actions", session_id: "demo-session", user_id: "u1", count: 2, forwarded_at: 1_764_000_100 });
    expect(payload.actions.map((a) => a.index)).toEqual([0, 1]);
    expect(payload.actions.every((a) => a.session_id === "demo-session" && a.timestamp_start > 0)).toBe(true);
    // The payload passes the same schema a pushed payload must pass, and carries no extra fields.
    const reparsed = ActionsPayloadSchema.parse(JSON.parse(JSON.stringify(payload)));
    expect(reparsed.actions).toEqual(payload.actions);
    expect(Object.keys(payload.actions[0]!)).not.toContain("intent");
  });

  it("gives the same events the same identity (a retried batch is a duplicate)", () => {
    const events = [ev("click", "/x", { tag: "button", text: "A" })];
    expect(run(events)).toEqual(run(events));
  });
});

import path from "node:path";
import { describe, expect, it } from "vitest";
import { emptyScan, restoreScan, summariseAttempt, trackActions, type TrackedAction, type TrackedAttempt } from "../../server/memory/attempt-tracker.js";
import { loadWorkflows } from "../../server/workflows/load-workflows.js";
import { FIXTURES_DIR } from "../helpers/fixtures.js";

const workflows = loadWorkflows(path.resolve(FIXTURES_DIR, "../../workflows.example.json"));
const invoice = workflows.find((w) => w.id === "create-invoice")!;
const OPTIONS = { dwellMs: 45_000, abandonAfterMs: 1_800_000 };
const T0 = 1_800_000_000_000;

let nextId = 1;
/** An action received at T0 + `s` seconds, with the same own timestamp. */
function act(type: string, url: string, title: string, s: number): TrackedAction {
  return { id: nextId++, type, title, description: title, canonicalUrl: url, receivedAt: T0 + s * 1000, timestampStart: T0 / 1000 + s };
}
const page = (url: string, s: number) => act("pageview", url, `Page Load: ${url}`, s);

function track(actions: TrackedAction[], attempts: TrackedAttempt[] = [], scan = emptyScan()) {
  trackActions(workflows, attempts, scan, actions, OPTIONS);
  return { attempts, scan };
}

describe("attempt tracker", () => {
  it("starts an attempt at the second distinct step, records the action of each step, and completes at the last", () => {
    const steps = [
      page("/invoices", 0), page("/invoices/new", 5), act("type", "/invoices/new", "Type in 'Customer' field", 9),
      act("submit", "/invoices/new", "Submit 'Save invoice' form", 15), act("click", "/invoices/7", "Click 'Send invoice' button", 20),
    ];
    const { attempts } = track(steps);
    expect(attempts).toHaveLength(1);
    const a = attempts[0]!;
    expect(a).toMatchObject({ workflowId: "create-invoice", outcome: "completed", startedAt: T0, endedAt: T0 + 20_000, failedSubmits: 0 });
    expect(a.steps.map((s) => [s.stepId, s.actionId])).toEqual([
      ["open-invoices", steps[0]!.id], ["start-invoice", steps[1]!.id], ["pick-customer", steps[2]!.id], ["save-invoice", steps[3]!.id], ["send-invoice", steps[4]!.id],
    ]);
    expect(summariseAttempt(a, invoice)).toMatchObject({ matchedSteps: 5, completionPct: 100, missedSteps: [], outOfOrder: [] });
  });

  it("does not count a single page view as an attempt", () => {
    const { attempts, scan } = track([page("/invoices", 0)]);
    expect(attempts).toEqual([]);
    expect(scan.pending["create-invoice"]).toMatchObject({ step: 0 });
  });

  it("records skipped and out-of-order steps and the completion as matched ÷ expected", () => {
    const { attempts } = track([
      page("/invoices", 0), act("submit", "/invoices/new", "Submit 'Save invoice' form", 5), act("type", "/invoices/new", "Type in 'Customer' field", 9),
    ]);
    const a = attempts[0]!;
    // The submit on /invoices/new also matches "start-invoice" (its URL): 4 of 5 steps, "send" still to do.
    expect(summariseAttempt(a, invoice)).toMatchObject({ matchedSteps: 4, completionPct: 80, missedSteps: [], outOfOrder: ["pick-customer"] });
    const skipped = track([page("/invoices", 0), act("click", "/invoices/3", "Click 'Send invoice' button", 4)]).attempts[0]!;
    expect(skipped.outcome).toBe("completed");
    expect(summariseAttempt(skipped, invoice)).toMatchObject({ completionPct: 40, missedSteps: ["start-invoice", "pick-customer", "save-invoice"] });
  });

  it("treats a form sent again as a failed submit: the first send completes nothing, and it is the attempt's last issue", () => {
    const team = [page("/settings/team", 0), act("type", "/settings/team", "Type in 'Email' field", 3)];
    const first = act("submit", "/settings/team", "Submit 'Invite' form", 6);
    const { attempts, scan } = track([...team, first]);
    expect(attempts[0]).toMatchObject({ workflowId: "invite-teammate", outcome: "completed" });
    // Sent again without leaving the page (in a later batch): the first one failed.
    track([act("submit", "/settings/team", "Submit 'Invite' form", 12)], attempts, scan);
    const a = attempts[0]!;
    expect(a).toMatchObject({ outcome: "completed", failedSubmits: 1, lastIssueCode: "failed_submit" });
    expect(a.lastIssue).toContain("'Invite'");
    expect(a.steps.find((s) => s.stepId === "send-invite")!.actionId).not.toBe(first.id);
  });

  it("treats a submit the form's validation rejected (in a later batch) as failed: it completes nothing, and its message is the last issue", () => {
    const team = [page("/settings/team", 0), act("type", "/settings/team", "Type in 'Email' field", 3), act("submit", "/settings/team", "Submit 'Invite' form", 6)];
    const { attempts, scan } = track(team);
    expect(attempts[0]).toMatchObject({ outcome: "completed" });
    // The validation answers after the batch was stored: the attempt is open again, one failure for two fields.
    track([act("invalid", "/settings/team", "Invalid 'Email' field: Enter an email.", 6.1), act("invalid", "/settings/team", "Invalid 'Name' field: Required.", 6.1)], attempts, scan);
    expect(attempts[0]).toMatchObject({ outcome: "in_progress", endedAt: null, failedSubmits: 1, lastIssueCode: "failed_submit" });
    expect(attempts[0]!.lastIssue).toBe("Invalid 'Email' field: Enter an email. (submitting 'Invite' on Settings › Team)");
    expect(attempts[0]!.steps.map((s) => s.stepId)).toEqual(["open-team", "enter-email"]);
    // Sent again once fixed: done, and the earlier rejection is not counted twice.
    track([act("submit", "/settings/team", "Submit 'Invite' form", 20)], attempts, scan);
    expect(attempts[0]).toMatchObject({ outcome: "completed", failedSubmits: 1 });
  });

  it("carries a scan saved before the submit rule was shared: its old submit state is dropped, the rest kept", () => {
    const restored = restoreScan(JSON.stringify({ pending: { "create-invoice": { step: 0, actionId: 3, at: T0 } }, lastSubmit: { place: "/x", label: "y", actionId: 2 }, clicks: null, lastT: 5, lastPlace: "/x" }));
    expect(restored).toEqual({ ...emptyScan(), pending: { "create-invoice": { step: 0, actionId: 3, at: T0 } }, lastT: 5, lastPlace: "/x" });
  });

  it("counts rage clicks and dwell for the attempt on whose page they happen", () => {
    const { attempts } = track([
      page("/settings/billing", 0), act("click", "/settings/billing", "Click 'Update payment method' button", 2),
      ...[10, 10.2, 10.4].map((s) => act("click", "/settings/billing", "Click 'Save card' button", s)),
      act("click", "/settings/billing", "Click 'Cancel' button", 80),
    ]);
    expect(attempts[0]).toMatchObject({ workflowId: "update-billing", rageClicks: 1, dwells: 1, longestDwellMs: 69_600, lastIssueCode: "dwell" });
  });

  it("abandons an attempt nothing touched for the abandon time, and starts a new one after it", () => {
    const { attempts } = track([page("/reports", 0), act("click", "/reports", "Click 'Date range' picker", 3), page("/reports", 2_000), act("click", "/reports", "Click 'Date range' picker", 2_003)]);
    expect(attempts.map((a) => a.outcome)).toEqual(["abandoned", "in_progress"]);
    expect(attempts[0]!.endedAt).toBe(T0 + 3_000);
  });

  it("ignores implausible timestamps (a relative clock) and uses the receipt time instead", () => {
    const a1 = { ...act("pageview", "/reports", "Page Load: Reports", 0), timestampStart: 1 };
    const a2 = { ...act("click", "/reports", "Click 'Date range' picker", 5), timestampStart: 2 };
    const { attempts } = track([a1, a2]);
    expect(attempts[0]).toMatchObject({ dwells: 0, startedAt: T0 });
  });
});

import path from "node:path";
import { describe, expect, it } from "vitest";
import { isQuickLearner, knowledgeOf, presentKnowledge, type AttemptFacts } from "../../server/memory/knowledge-state.js";
import { newcombeDifference, wilson } from "../../server/memory/lift.js";
import { loadWorkflows } from "../../server/workflows/load-workflows.js";
import { workflowVersion } from "../../server/workflows/workflow-version.js";
import { FIXTURES_DIR } from "../helpers/fixtures.js";

const workflows = loadWorkflows(path.resolve(FIXTURES_DIR, "../../workflows.example.json"));
const RULE = { completions: 2, cleanCompletions: 1, quickAttempts: 2 };
const NOW = 1_800_000_000_000;
const ABANDON = 1_800_000;

let id = 0;
function attempt(workflowId: string, outcome: AttemptFacts["outcome"], extra: Partial<AttemptFacts> = {}): AttemptFacts {
  id++;
  return {
    id, sessionRef: 1, workflowId, workflowVersion: workflowVersion(workflows.find((w) => w.id === workflowId)!), outcome, completionPct: outcome === "completed" ? 100 : 40, furthestStep: 1, missedSteps: [], failedSubmits: 0,
    rageClicks: 0, dwells: 0, lastIssueCode: null, lastIssue: null, startedAt: NOW - 10_000_000 + id, progressedAt: NOW - 5_000_000, updatedAt: NOW - 5_000_000,
    endedAt: outcome === "in_progress" ? null : NOW - 5_000_000, ...extra,
  };
}

describe("knowledge state", () => {
  it("counts only attempts at the workflows as they are now: a removed or restructured workflow's attempts are left out", () => {
    const attempts = [attempt("invite-teammate", "completed"), attempt("create-invoice", "completed")];
    const withoutInvite = workflows.filter((w) => w.id !== "invite-teammate");
    expect([...knowledgeOf(withoutInvite, attempts, RULE, NOW, ABANDON).keys()]).not.toContain("invite-teammate");
    const invoice = workflows.find((w) => w.id === "create-invoice")!;
    const reordered = { ...invoice, steps: [...invoice.steps].reverse() };
    const renamed = { ...invoice, name: "Bill a customer", steps: invoice.steps.map((s) => ({ ...s, hint: `${s.hint} (renamed)` })) };
    expect(knowledgeOf([reordered], attempts, RULE, NOW, ABANDON).get("create-invoice")).toMatchObject({ attempts: 0, mastered: false });
    expect(knowledgeOf([renamed], attempts, RULE, NOW, ABANDON).get("create-invoice")).toMatchObject({ attempts: 1, mastered: true });
    // Attempts stored before versions were kept count for the workflow of the same id.
    expect(knowledgeOf([reordered], [{ ...attempts[1]!, workflowVersion: "" }], RULE, NOW, ABANDON).get("create-invoice")).toMatchObject({ attempts: 1 });
  });

  it("masters a workflow completed once without struggle, or twice with it", () => {
    const k = knowledgeOf(workflows, [
      attempt("invite-teammate", "completed"),
      attempt("create-invoice", "completed", { failedSubmits: 2, lastIssue: "'Save' had to be submitted again", lastIssueCode: "failed_submit" }),
    ], RULE, NOW, ABANDON);
    expect(k.get("invite-teammate")).toMatchObject({ mastered: true, masteredAfter: 1, cleanCompletions: 1 });
    expect(k.get("create-invoice")).toMatchObject({ mastered: false, completions: 1, cleanCompletions: 0, lastIssueCode: "failed_submit" });
    const twice = knowledgeOf(workflows, [attempt("create-invoice", "completed", { dwells: 1 }), attempt("create-invoice", "completed", { rageClicks: 1 })], RULE, NOW, ABANDON);
    expect(twice.get("create-invoice")).toMatchObject({ mastered: true, masteredAfter: 2 });
  });

  it("follows a configured rule: only a number of completions", () => {
    const strict = { ...RULE, completions: 3, cleanCompletions: 0 };
    const k = knowledgeOf(workflows, [attempt("invite-teammate", "completed"), attempt("invite-teammate", "completed")], strict, NOW, ABANDON);
    expect(k.get("invite-teammate")!.mastered).toBe(false);
  });

  it("counts an in-progress attempt untouched for the abandon time as abandoned, and a failure", () => {
    const k = knowledgeOf(workflows, [attempt("export-report", "in_progress", { updatedAt: NOW - ABANDON - 1, furthestStep: 0, completionPct: 33.3 })], RULE, NOW, ABANDON);
    expect(k.get("export-report")).toMatchObject({ abandoned: 1, failuresSinceCompletion: 1, lastIssueCode: "abandoned", bestCompletionPct: 33.3 });
    expect(k.get("export-report")!.lastIssue).toBe('stopped before "Pick the date range the report should cover."');
  });

  it("presents Autoplay's shape: mastered, in_progress with attempts, last issue and best completion, untouched, overall", () => {
    const k = knowledgeOf(workflows, [attempt("invite-teammate", "completed"), attempt("create-invoice", "abandoned", { completionPct: 60, lastIssue: "x" })], RULE, NOW, ABANDON);
    const p = presentKnowledge(workflows, k);
    expect(p.knowledge_state).toEqual({
      mastered: ["invite-teammate"],
      in_progress: { "create-invoice": { attempts: 1, last_issue: "x", best_completion_pct: 60 } },
      untouched: ["export-report", "update-billing"],
    });
    expect(p.overall_completion_pct).toBe(40); // (60 + 100 + 0 + 0) / 4
  });

  it("calls a user who masters what they master within two attempts a quick learner", () => {
    const quick = knowledgeOf(workflows, [attempt("invite-teammate", "completed")], RULE, NOW, ABANDON);
    expect(isQuickLearner(quick.values(), RULE)).toBe(true);
    const slow = knowledgeOf(workflows, [attempt("invite-teammate", "abandoned"), attempt("invite-teammate", "abandoned"), attempt("invite-teammate", "completed")], RULE, NOW, ABANDON);
    expect(isQuickLearner(slow.values(), RULE)).toBe(false);
    expect(isQuickLearner(quick.values(), { ...RULE, quickAttempts: 0 })).toBe(false);
  });
});

describe("lift statistics", () => {
  it("computes Wilson intervals (reference values)", () => {
    const w = wilson(81, 263);
    expect(w.low).toBeCloseTo(0.2553, 3);
    expect(w.high).toBeCloseTo(0.3662, 3);
    expect(wilson(0, 10).low).toBe(0);
  });

  it("computes Newcombe's hybrid score interval for a difference (his worked example 56/70 vs 48/80)", () => {
    const d = newcombeDifference(56, 70, 48, 80)!;
    expect(d.difference).toBeCloseTo(0.2, 6);
    expect(d.low).toBeCloseTo(0.0524, 3);
    expect(d.high).toBeCloseTo(0.3339, 3);
    expect(newcombeDifference(1, 1, 0, 0)).toBeNull();
  });
});

/**
 * What a user knows, from their workflow attempts (pure). The mastery rule is configurable: a workflow is
 * mastered after `completions` completed attempts, or after `cleanCompletions` completed without struggle
 * (no failed submit, no rage click, no dwell) — 0 turns that half off. An in-progress attempt that nothing
 * touched for `abandonAfterMs` counts as abandoned whether or not the sweep has marked it yet.
 */
import type { AttemptOutcome, AttemptRecord } from "../../db/attempt.repository.js";
import { isCurrentAttempt } from "../workflows/workflow-version.js";
import type { Workflow } from "../workflows/workflows.schema.js";

export interface MasteryRule {
  completions: number;
  cleanCompletions: number;
  /** A workflow mastered within this many attempts was mastered quickly (0: nobody is a quick learner). */
  quickAttempts: number;
}

export type AttemptFacts = Pick<
  AttemptRecord,
  | "id" | "sessionRef" | "workflowId" | "workflowVersion" | "outcome" | "completionPct" | "furthestStep" | "missedSteps" | "failedSubmits" | "rageClicks"
  | "dwells" | "lastIssueCode" | "lastIssue" | "startedAt" | "progressedAt" | "updatedAt" | "endedAt"
>;

export interface WorkflowKnowledge {
  workflowId: string;
  attempts: number;
  completions: number;
  cleanCompletions: number;
  abandoned: number;
  mastered: boolean;
  /** The attempt (1-based) with which mastery was reached. */
  masteredAfter: number | null;
  masteredAt: number | null;
  bestCompletionPct: number;
  lastIssue: string | null;
  lastIssueCode: string | null;
  /**
   * Failed submits, rage clicks and abandoned attempts since the last completion before the latest attempt:
   * the latest attempt's own struggle counts even when it ended in a completion.
   */
  failuresSinceCompletion: number;
  /** Attempts since the last completion, oldest first, with their effective outcome. */
  sinceCompletion: AttemptFacts[];
  last: AttemptFacts | null;
}

export function effectiveOutcome(a: Pick<AttemptFacts, "outcome" | "updatedAt">, now: number, abandonAfterMs: number): AttemptOutcome {
  return a.outcome === "in_progress" && now - a.updatedAt > abandonAfterMs ? "abandoned" : a.outcome;
}

export const isClean = (a: Pick<AttemptFacts, "failedSubmits" | "rageClicks" | "dwells">) => a.failedSubmits === 0 && a.rageClicks === 0 && a.dwells === 0;

/** One workflow's knowledge from its attempts, oldest first. */
export function workflowKnowledge(w: Workflow, attempts: readonly AttemptFacts[], rule: MasteryRule, now: number, abandonAfterMs: number): WorkflowKnowledge {
  const k: WorkflowKnowledge = {
    workflowId: w.id, attempts: 0, completions: 0, cleanCompletions: 0, abandoned: 0, mastered: false, masteredAfter: null, masteredAt: null,
    bestCompletionPct: 0, lastIssue: null, lastIssueCode: null, failuresSinceCompletion: 0, sinceCompletion: [], last: null,
  };
  for (const raw of attempts) {
    const a = { ...raw, outcome: effectiveOutcome(raw, now, abandonAfterMs) };
    k.attempts++;
    // A completion resets the failures once the next attempt begins.
    if (k.last?.outcome === "completed") k.failuresSinceCompletion = 0;
    k.last = a;
    k.bestCompletionPct = Math.max(k.bestCompletionPct, a.completionPct);
    if (a.lastIssue) {
      k.lastIssue = a.lastIssue;
      k.lastIssueCode = a.lastIssueCode;
    } else if (a.outcome === "abandoned") {
      const next = w.steps[a.furthestStep + 1];
      k.lastIssue = next ? `stopped before "${next.hint}"` : "stopped";
      k.lastIssueCode = "abandoned";
    }
    k.failuresSinceCompletion += a.failedSubmits + a.rageClicks + (a.outcome === "abandoned" ? 1 : 0);
    if (a.outcome === "completed") {
      k.completions++;
      if (isClean(a)) k.cleanCompletions++;
      k.sinceCompletion = [];
    } else {
      if (a.outcome === "abandoned") k.abandoned++;
      k.sinceCompletion.push(a);
    }
    if (!k.mastered && (k.completions >= rule.completions || (rule.cleanCompletions > 0 && k.cleanCompletions >= rule.cleanCompletions))) {
      k.mastered = true;
      k.masteredAfter = k.attempts;
      k.masteredAt = a.endedAt ?? a.updatedAt;
    }
  }
  return k;
}

/**
 * The attempts that count for the product's workflows as they are now: those at a workflow since removed (kept,
 * and counted again should it come back) or restructured (workflows/workflow-version.ts) are left out.
 */
export function currentAttempts<A extends Pick<AttemptFacts, "workflowId" | "workflowVersion">>(workflows: readonly Workflow[], attempts: readonly A[]): A[] {
  const byId = new Map(workflows.map((w) => [w.id, w]));
  return attempts.filter((a) => isCurrentAttempt(a, byId));
}

export function knowledgeOf(workflows: readonly Workflow[], attempts: readonly AttemptFacts[], rule: MasteryRule, now: number, abandonAfterMs: number): Map<string, WorkflowKnowledge> {
  const byWorkflow = new Map<string, AttemptFacts[]>();
  for (const a of currentAttempts(workflows, attempts)) byWorkflow.set(a.workflowId, [...(byWorkflow.get(a.workflowId) ?? []), a]);
  return new Map(workflows.map((w) => [w.id, workflowKnowledge(w, byWorkflow.get(w.id) ?? [], rule, now, abandonAfterMs)]));
}

/** Users who master what they try within a few attempts get fewer routine nudges. */
export function isQuickLearner(knowledge: Iterable<WorkflowKnowledge>, rule: MasteryRule): boolean {
  if (rule.quickAttempts <= 0) return false;
  const mastered = [...knowledge].filter((k) => k.mastered);
  return mastered.length > 0 && mastered.every((k) => (k.masteredAfter ?? Infinity) <= rule.quickAttempts);
}

/**
 * The knowledge state in the shape Autoplay sketches (`mastered`, `in_progress` with `attempts`, `last_issue`
 * and `best_completion_pct`, `untouched`, `overall_completion_pct`), plus per-workflow detail. The overall
 * completion is the mean over all the product's workflows of the best completion reached (untouched: 0).
 */
export function presentKnowledge(workflows: readonly Workflow[], knowledge: Map<string, WorkflowKnowledge>) {
  const all = workflows.map((w) => knowledge.get(w.id)!);
  const overall = all.length ? all.reduce((sum, k) => sum + k.bestCompletionPct, 0) / all.length : 0;
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    knowledge_state: {
      mastered: all.filter((k) => k.mastered).map((k) => k.workflowId),
      in_progress: Object.fromEntries(
        all
          .filter((k) => !k.mastered && k.attempts > 0)
          .map((k) => [k.workflowId, { attempts: k.attempts, last_issue: k.lastIssue, best_completion_pct: k.bestCompletionPct }]),
      ),
      untouched: all.filter((k) => k.attempts === 0).map((k) => k.workflowId),
    },
    overall_completion_pct: Math.round(overall * 10) / 10,
    workflows: workflows.map((w) => {
      const k = knowledge.get(w.id)!;
      return {
        workflow_id: w.id,
        name: w.name,
        status: (k.mastered ? "mastered" : k.attempts > 0 ? "in_progress" : "untouched") as "mastered" | "in_progress" | "untouched",
        attempts: k.attempts,
        completions: k.completions,
        clean_completions: k.cleanCompletions,
        abandoned: k.abandoned,
        best_completion_pct: k.bestCompletionPct,
        mastered_after_attempts: k.masteredAfter,
        mastered_at: iso(k.masteredAt),
        last_issue: k.lastIssue,
        last_issue_code: k.lastIssueCode,
        failures_since_completion: k.failuresSinceCompletion,
        last_attempt_at: iso(k.last?.startedAt ?? null),
      };
    }),
  };
}

/**
 * Behaviour triggers (pure), evaluated before the model: each one a reason to speak, with its reason code,
 * on or off in configuration (TRIGGERS_DISABLED). The ones that need memory across sessions fire only
 * for a verified user (an anonymous session has no history to go on):
 * - `repeated_failure`: struggling (failed submits, rage clicks) in a workflow whose failures since its last
 *   completion — failed submits, rage clicks, abandoned attempts, across sessions — reach TRIGGER_FAILURES;
 * - `skipped_step`: the user just did a step after skipping a golden-path step before it;
 * - `stall`: in a workflow, on its pages, busy, but no step done for TRIGGER_STALL_ACTIONS actions and
 *   TRIGGER_STALL_MS;
 * - `low_completion` (user): earlier attempts since the last completion stopped early on average;
 * - `first_attempt` (user): a workflow the user has never tried before (let alone completed);
 * - `returning_user` (user): the first minutes of a session after TRIGGER_RETURNING_DAYS away, when there
 *   is something to pick up;
 * - `unfinished_workflow` (user): not in any workflow, with an attempt from another session that got at
 *   least TRIGGER_UNFINISHED_MIN_PCT through and was never finished ("You got 85 % through…").
 * Suppression: no suggestion names a step of a mastered workflow (`mastered` holds a plain next-step nudge),
 * and users who master workflows quickly get no routine next-step nudges (`quick_learner`).
 */
import type { MemoryView } from "../memory/memory-view.js";
import { actionMatches, onWorkflowPage, type WorkflowProgress } from "../workflows/workflow-progress.js";
import type { Workflow } from "../workflows/workflows.schema.js";
import { targetLabel } from "../sessions/action-labels.js";
import type { RuleNote, TriggerCode, TriggerHit, TriggerOutcome } from "./rule-notes.js";
import { advances } from "./precision.js";
import type { SuggestionInput } from "./suggestion-model.js";

export interface TriggerSettings {
  enabled: ReadonlySet<TriggerCode>;
  failures: number;
  returningDays: number;
  lowCompletionPct: number;
  lowCompletionAttempts: number;
  unfinishedMinPct: number;
  stallMs: number;
  stallActions: number;
}

const DAY_MS = 86_400_000;
/** Returning and unfinished reminders belong to the start of a session. */
const SESSION_START_MS = 10 * 60_000;

export interface TriggerContext {
  memory: MemoryView;
  receivedAt: readonly number[];
}

const pct = (n: number) => Math.round(n);

function firedHits(input: SuggestionInput, ctx: TriggerContext, s: TriggerSettings, mastered: ReadonlySet<string>): TriggerHit[] {
  const { memory } = ctx;
  const user = memory.scope.kind === "user";
  const p: WorkflowProgress | undefined = input.placement && !mastered.has(input.placement.workflow.id) ? input.placement : undefined;
  const hits: TriggerHit[] = [];
  const on = (code: TriggerCode) => s.enabled.has(code);
  const knowledge = (w: Workflow) => memory.knowledge.get(w.id);
  const thisSession = (w: Workflow) => memory.sessionAttempts.filter((a) => a.workflowId === w.id);

  const signal = input.signals[0];
  if (signal) {
    // Struggle speaks for itself; memory only makes it a repeated failure.
    if (!on("repeated_failure") || (signal.kind !== "repeated_submit" && signal.kind !== "rage_click")) return hits;
    // The workflow being struggled with: the placement, or the latest one this session attempted on this page
    // (a submit of a last step "completes" it in the window until a resubmit or a validation failure shows it failed).
    const attempted = [...memory.sessionAttempts].reverse().map((a) => input.workflows.find((w) => w.id === a.workflowId));
    const w = p && onWorkflowPage(p.workflow, signal.url) ? p.workflow : attempted.find((x) => x && !mastered.has(x.id) && onWorkflowPage(x, signal.url)) ?? p?.workflow;
    const failures = w ? (knowledge(w)?.failuresSinceCompletion ?? 0) : 0;
    if (!w || failures < s.failures) return hits;
    const at = signal.evidence.at(-1);
    const action = at === undefined ? undefined : input.window[at];
    // The step the failing action is trying to do (a submit step for a failing submit), else the next one.
    const failing = (action && w.steps.find((st) => st.match.type === action.type && actionMatches(action, st.match))) ?? (w === p?.workflow ? p.nextStep : undefined);
    if (!failing) return hits;
    hits.push({
      code: "repeated_failure", workflow: w, step: failing, failures, target: action ? targetLabel(action) : undefined,
      detail: `${failures} failures in ${w.id} since its last completion (threshold ${s.failures})`,
    });
    return hits;
  }

  const sessionAge = input.now - memory.sessionStartedAt;
  const away = memory.previousActivityAt === null ? 0 : memory.sessionStartedAt - memory.previousActivityAt;
  const returning = user && on("returning_user") && away >= s.returningDays * DAY_MS && sessionAge <= SESSION_START_MS;

  if (p?.nextStep) {
    const w = p.workflow;
    const k = knowledge(w);
    const skipped = w.steps.findIndex((_, i) => i < p.furthestDone && !p.doneSteps.includes(i));
    const lastAdvance = advances(p, input.window).at(-1) ?? -1;
    if (on("skipped_step") && skipped >= 0 && lastAdvance >= input.window.length - 3) {
      hits.push({ code: "skipped_step", workflow: w, step: w.steps[skipped]!, detail: `step ${w.steps[skipped]!.id} was skipped on the way to ${w.steps[p.furthestDone]!.id}` });
    }
    const last = input.window.at(-1)!;
    const sinceProgress = input.now - (ctx.receivedAt[lastAdvance] ?? input.now);
    const actionsSince = input.window.length - 1 - lastAdvance;
    if (on("stall") && actionsSince >= s.stallActions && sinceProgress >= s.stallMs && onWorkflowPage(w, last.canonical_url)) {
      hits.push({ code: "stall", workflow: w, step: p.nextStep, detail: `${actionsSince} actions and ${Math.round(sinceProgress / 1000)} s without a new step of ${w.id}` });
    }
    if (user && k) {
      const ended = k.sinceCompletion.filter((a) => a.outcome === "abandoned");
      const mean = ended.length ? ended.reduce((sum, a) => sum + a.completionPct, 0) / ended.length : 100;
      if (on("low_completion") && ended.length >= s.lowCompletionAttempts && mean < s.lowCompletionPct) {
        hits.push({ code: "low_completion", workflow: w, step: p.nextStep, completionPct: mean, detail: `${ended.length} unfinished attempts averaging ${pct(mean)} %` });
      }
      const elsewhere = k.attempts - thisSession(w).length;
      if (on("first_attempt") && k.completions === 0 && elsewhere === 0 && thisSession(w).length <= 1) {
        hits.push({ code: "first_attempt", workflow: w, step: p.nextStep, detail: `no earlier attempt at ${w.id}` });
      }
    }
    if (returning) hits.push({ code: "returning_user", workflow: w, step: p.nextStep, daysAway: away / DAY_MS, detail: `back after ${(away / DAY_MS).toFixed(1)} days` });
    return hits;
  }

  if (!user || input.placement || memory.sessionAttempts.length > 0 || sessionAge > SESSION_START_MS) return hits;
  // Not in any workflow: the best unfinished one from another session, if any.
  let best: TriggerHit | undefined;
  for (const w of input.workflows) {
    const k = knowledge(w);
    const last = k?.last;
    if (!k || mastered.has(w.id) || !last || last.outcome !== "abandoned" || last.completionPct < s.unfinishedMinPct) continue;
    const step = w.steps[last.furthestStep + 1];
    if (!step || (best && (best.completionPct ?? 0) >= last.completionPct)) continue;
    best = { code: "unfinished_workflow", workflow: w, step, completionPct: last.completionPct, detail: `last attempt at ${w.id} stopped at ${pct(last.completionPct)} %` };
  }
  if (best && returning) hits.push({ ...best, code: "returning_user", daysAway: away / DAY_MS, detail: `back after ${(away / DAY_MS).toFixed(1)} days; ${best.detail}` });
  else if (best && on("unfinished_workflow")) hits.push(best);
  return hits;
}

export function evaluateTriggers(input: SuggestionInput, ctx: TriggerContext, s: TriggerSettings): TriggerOutcome {
  const { memory } = ctx;
  const notes: RuleNote[] = [{ code: "scope", detail: memory.scope.kind === "user" ? `user ${memory.scope.id}` : "this session only (no verified user)" }];
  const mastered = new Set([...memory.knowledge.values()].filter((k) => k.mastered).map((k) => k.workflowId));
  if (mastered.size) notes.push({ code: "mastered_workflows", detail: [...mastered].join(", ") });
  const hits = firedHits(input, ctx, s, mastered);
  for (const h of hits) notes.push({ code: `trigger:${h.code}`, detail: h.detail });

  let hold: TriggerOutcome["hold"] = null;
  const p = input.placement;
  if (input.signals.length === 0 && p?.nextStep) {
    if (hits.length === 0 && mastered.has(p.workflow.id)) hold = { code: "mastered", detail: `${p.workflow.id} is mastered: its steps are not suggested` };
    // Routine nudges (the next step, a first attempt) are for those who need them; learning quickly is a
    // judgement over several sessions, so verified users only.
    else if (memory.quickLearner && memory.scope.kind === "user" && hits.every((h) => h.code === "first_attempt")) {
      hold = { code: "quick_learner", detail: "this user masters workflows quickly: no routine next-step nudges" };
    }
  }
  if (hold) notes.push(hold);
  return { hits, hold, suppressedWorkflowIds: [...mastered], notes };
}

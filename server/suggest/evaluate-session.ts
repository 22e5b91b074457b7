/**
 * One evaluation of one session, after the debounce: fold old actions into the rolling summary, load the
 * context, place the user in a workflow and detect struggle, check the gates (before spending a model
 * call), ask the model, check the gates again with the candidate (typing may have started meanwhile;
 * duplicates need the text), then store — and publish only what the gates let through (stored as pending
 * until a widget acknowledges it). Every outcome is recorded.
 */
import type { Repositories } from "../../db/repositories.js";
import type { DecisionOutcome, NewSuggestion, SuggestionSource } from "../../db/suggestion.repository.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import { LlmError } from "../errors.js";
import type { Logger } from "../logger.js";
import { loadSessionWindowByRef, type SessionWindow } from "../sessions/session-context.js";
import { workflowProgress } from "../workflows/workflow-progress.js";
import type { WorkflowSource } from "../workflows/workflow-catalog.js";
import type { Workflow } from "../workflows/workflows.schema.js";
import { normaliseText } from "../sessions/action-labels.js";
import { afterDelivered, blockingReason, HOUR_MS, initialGate, settleGate, type GateConfig } from "./gates.js";
import type { Publisher, Retractor } from "./publisher.js";
import type { RollingSummarizer } from "./rolling-summary.js";
import { SUPERSEDED, type RunResult, type Trigger } from "./scheduler.js";
import { lastActivityTime } from "./struggle-detectors.js";
import { suggestionInputOf } from "./suggestion-input.js";
import type { Suggester } from "./suggester.js";
import type { MemoryPolicy } from "./memory-policy.js";
import type { RuleNote } from "./rule-notes.js";

export interface Decision {
  id: number;
  sessionRef: number;
  productId: string;
  sessionId: string;
  outcome: DecisionOutcome;
  reason: string | null;
  trigger: Trigger;
  source: SuggestionSource | null;
  modelError: string | null;
  suggestionId: number | null;
  text: string | null;
  createdAt: number;
  /** The memory, trigger and precision rules that applied (issue 14). */
  rules: RuleNote[];
  /** Decided for a session in the holdout: stored, never shown. */
  holdout: boolean;
  /** Time the evaluation took, and the part of it spent waiting for models (LLM suggestion or summary). */
  timings: { totalMs: number; modelMs: number };
}

export interface EvaluatorDeps {
  repos: Repositories;
  clock: Clock;
  logger: Logger;
  config: Config;
  workflows: WorkflowSource;
  suggester: Suggester;
  summarizer: RollingSummarizer;
  publish: Publisher;
  retract: Retractor;
  onDecision: (decision: Decision) => void;
  isClosed: () => boolean;
  /** User memory, triggers, precision holds and holdout (issue 14); absent: none of them. */
  memory?: MemoryPolicy;
}

/** How many of a session's latest suggestions are checked for retraction. */
const RETRACT_LOOKBACK = 5;

/** Signals strong enough to replace a shown suggestion instead of waiting behind it. */
const URGENT_SIGNALS: ReadonlySet<string> = new Set(["rage_click", "repeated_submit"]);
const STRUGGLE_SIGNALS: ReadonlySet<string> = new Set(["rage_click", "repeated_submit", "ping_pong", "dwell"]);

export function gateConfigOf(config: Config): GateConfig {
  return {
    interactionTimeoutMs: config.GATE_INTERACTION_TIMEOUT_MS,
    cooldownMs: config.GATE_COOLDOWN_MS,
    recentMessageMs: config.GATE_RECENT_MESSAGE_MS,
    typingTtlMs: config.GATE_TYPING_TTL_MS,
    perHour: config.SUGGESTIONS_PER_HOUR,
  };
}

export function createSessionEvaluator(deps: EvaluatorDeps) {
  const { repos, clock, config } = deps;
  const gateConfig = gateConfigOf(config);
  const gateOf = (sessionRef: number, now: number) => settleGate(repos.gates.find(sessionRef) ?? initialGate(sessionRef, now), now, gateConfig);

  interface Pending {
    ctx: SessionWindow;
    trigger: Trigger;
    started: number;
    modelMs: number;
    rules?: RuleNote[];
    holdout?: boolean;
  }

  /**
   * Stores the decision (and its suggestion, and the gate when delivered — or held out, so the holdout's
   * timing mirrors what is shown) in one transaction, then tells listeners.
   */
  function record(p: Pending, d: { outcome: DecisionOutcome; reason: string | null; source: SuggestionSource | null; modelError: string | null; detail?: string }, suggestion?: NewSuggestion): Decision {
    const now = clock.now();
    const sessionRef = p.ctx.session.id;
    const { suggestionId, decisionId } = repos.transaction(() => {
      const suggestionId = suggestion ? repos.suggestions.insert(suggestion) : null;
      if (d.outcome === "delivered" || d.reason === "holdout") repos.gates.save(afterDelivered(gateOf(sessionRef, now), now, gateConfig));
      const decisionId = repos.suggestions.insertDecision({
        sessionRef, suggestionId, outcome: d.outcome, reason: d.reason, trigger: p.trigger, source: d.source,
        modelError: d.modelError, detail: d.detail ?? null, rules: p.rules ?? [], holdout: p.holdout ?? false, createdAt: now,
      });
      return { suggestionId, decisionId };
    });
    const decision: Decision = {
      id: decisionId, sessionRef, productId: p.ctx.session.productId, sessionId: p.ctx.session.sessionKey, outcome: d.outcome,
      reason: d.reason, trigger: p.trigger, source: d.source, modelError: d.modelError, suggestionId, text: suggestion?.text ?? null,
      createdAt: now, rules: p.rules ?? [], holdout: p.holdout ?? false, timings: { totalMs: performance.now() - p.started, modelMs: p.modelMs },
    };
    deps.onDecision(decision);
    return decision;
  }

  async function publish(decision: Decision, s: NewSuggestion): Promise<void> {
    try {
      await deps.publish({
        id: decision.suggestionId!, productId: decision.productId, sessionRef: decision.sessionRef, sessionId: decision.sessionId,
        text: s.text, source: s.source, model: s.model, signal: s.signal, createdAt: s.createdAt,
        evidence: s.evidence.indexes, evidenceActionIds: s.evidence.actionIds,
      });
    } catch (err) {
      deps.logger.error({ err, suggestionId: decision.suggestionId }, "publishing a suggestion failed");
      if (!deps.isClosed()) repos.suggestions.setStatus(decision.suggestionId!, "publish_failed");
    }
  }

  /**
   * Suggestions on the user's screen or waiting to be (delivered or pending, no verdict) that pointed at a
   * workflow step the user has since done are withdrawn: an outdated hint is noise. Runs whatever the gates say.
   */
  function retractCompleted(ctx: SessionWindow, workflows: readonly Workflow[]): void {
    for (const s of repos.suggestions.recent(ctx.session.id, RETRACT_LOOKBACK)) {
      if ((s.status !== "delivered" && s.status !== "pending") || s.feedback !== null || s.workflowId === null || s.stepId === null) continue;
      const workflow = workflows.find((w) => w.id === s.workflowId);
      const stepIndex = workflow?.steps.findIndex((step) => step.id === s.stepId) ?? -1;
      if (!workflow || stepIndex < 0 || !workflowProgress(workflow, ctx.window).doneSteps.includes(stepIndex)) continue;
      repos.suggestions.setStatus(s.id, "retracted");
      deps.retract({ id: s.id, productId: ctx.session.productId, sessionRef: ctx.session.id, sessionId: ctx.session.sessionKey, reason: "step_done" });
    }
  }

  return async function evaluate(sessionRef: number, signal: AbortSignal, trigger: Trigger): Promise<RunResult> {
    const started = performance.now();
    let modelMs = 0;
    try {
      const t0 = performance.now();
      const folded = await deps.summarizer.maybeFold(sessionRef, signal);
      if (folded?.writer === "llm") modelMs += performance.now() - t0;
    } catch (err) {
      if (!signal.aborted) throw err;
    }
    // The session's workflow attempts (user memory) are brought up to date first.
    if (!signal.aborted && !deps.isClosed()) deps.memory?.prepare(sessionRef);
    if (signal.aborted || deps.isClosed()) {
      const ctx = signal.reason === SUPERSEDED && !deps.isClosed() ? loadSessionWindowByRef(repos, sessionRef, 1) : undefined;
      if (ctx) record({ ctx, trigger, started, modelMs }, { outcome: "skipped", reason: "superseded", source: "llm", modelError: null, detail: "while summarising" });
      return {};
    }
    const ctx = loadSessionWindowByRef(repos, sessionRef, config.CONTEXT_WINDOW_ACTIONS);
    if (!ctx || ctx.window.length === 0) return {};
    const p: Pending = { ctx, trigger, started, modelMs };
    // This product's workflows only: another product's steps are never suggested here.
    const workflows = deps.workflows.forProduct(ctx.session.productId);
    retractCompleted(ctx, workflows);

    const now = clock.now();
    const lastActivityAt = lastActivityTime(ctx.window, ctx.session.lastSeenAt);
    const dwellAt = lastActivityAt + config.DWELL_MS;
    // Re-check once when the user would have dwelt long enough; not again until they act.
    const result: RunResult = dwellAt > now ? { recheckAt: dwellAt } : {};

    // Memory, behaviour triggers, precision holds and the holdout, against the product's own workflows.
    const base = suggestionInputOf(ctx, workflows, config.DWELL_MS, now);
    const assessment = deps.memory?.assess(ctx, base, trigger, now);
    const input = assessment?.input ?? base;
    p.rules = assessment?.notes;
    p.holdout = assessment?.holdout;
    // A shown suggestion (or one waiting for a widget to show it) that a fresh rage click or failed resubmit has
    // made stale is replaced, not waited on.
    const shown = repos.suggestions.recent(sessionRef, RETRACT_LOOKBACK).find((s) => (s.status === "delivered" || s.status === "pending") && s.feedback === null);
    const stale = input.signals[0] && URGENT_SIGNALS.has(input.signals[0].kind) && shown && !STRUGGLE_SIGNALS.has(shown.signal ?? "") ? shown : undefined;
    const replacesStale = stale !== undefined;

    const deliveredLastHour = () => repos.suggestions.countDeliveredSince(sessionRef, clock.now() - HOUR_MS);
    const early = blockingReason(gateOf(sessionRef, now), now, gateConfig, { deliveredLastHour: deliveredLastHour(), replacesStale });
    if (early) {
      record(p, { outcome: "skipped", reason: early, source: null, modelError: null });
      return result;
    }
    // What the user's behaviour and memory say — stale, just finished, moving fast, mastered…
    if (assessment?.hold) {
      record(p, { outcome: "skipped", reason: assessment.hold.code, source: null, modelError: null, detail: assessment.hold.detail });
      if (assessment.recheckAt !== undefined) result.recheckAt = Math.min(result.recheckAt ?? Infinity, assessment.recheckAt);
      return result;
    }

    let outcome;
    try {
      outcome = await deps.suggester.suggest(input, signal);
    } catch (err) {
      if (err instanceof LlmError && err.code === "llm_aborted") {
        p.modelMs = performance.now() - started;
        if (!deps.isClosed() && signal.reason === SUPERSEDED) record(p, { outcome: "skipped", reason: "superseded", source: "llm", modelError: null });
        return {};
      }
      throw err;
    }
    if (deps.isClosed()) return {};
    p.modelMs += outcome.latencyMs;
    const { result: r, source, modelError } = outcome;
    if (r.kind === "decline") {
      const reason = modelError ? "model_error" : "declined";
      record(p, { outcome: "skipped", reason, source, modelError, detail: r.reason });
      return result;
    }

    const at = clock.now();
    const normText = normaliseText(r.text);
    const late = blockingReason(gateOf(sessionRef, at), at, gateConfig, {
      deliveredLastHour: deliveredLastHour(),
      shownRecently: repos.suggestions.wasShownSince(sessionRef, normText, at - config.SUGGEST_REPEAT_WINDOW_MS),
      replacesStale: replacesStale && STRUGGLE_SIGNALS.has(r.signal),
    });
    const suggestion: NewSuggestion = {
      sessionRef, text: r.text, normText, source, model: r.model, signal: r.signal, workflowId: r.workflowId, stepId: r.stepId,
      latencyMs: Math.round(outcome.latencyMs * 10) / 10, usage: r.usage,
      evidence: { indexes: r.evidence, actionIds: r.evidence.map((i) => ctx.windowActionIds[i]).filter((id): id is number => id !== undefined) },
      // Pending until a widget acknowledges it (see chat/suggestion-delivery.ts); never shown in the holdout.
      status: late ? "skipped" : p.holdout ? "held_out" : "pending", modelError, createdAt: at,
    };
    // A holdout session's suggestion is stored like any other and never shown.
    const reason = late ?? (p.holdout ? "holdout" : null);
    const decision = record(p, { outcome: reason ? "skipped" : "delivered", reason, source, modelError }, suggestion);
    if (!reason && stale && STRUGGLE_SIGNALS.has(r.signal)) {
      repos.suggestions.setStatus(stale.id, "retracted");
      deps.retract({ id: stale.id, productId: ctx.session.productId, sessionRef, sessionId: ctx.session.sessionKey, reason: "replaced" });
    }
    if (!reason) await publish(decision, suggestion);
    return result;
  };
}

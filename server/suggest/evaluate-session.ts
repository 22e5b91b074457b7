/**
 * One evaluation of one session, after the debounce: fold old actions into the rolling summary, place the
 * user in a workflow and detect struggle, check the gates (before spending a model call), ask the model,
 * check the gates again with the candidate (typing may have started meanwhile; duplicates need the text),
 * then store — and publish only what the gates let through (stored as pending until a widget acknowledges
 * it). Every outcome is recorded.
 *
 * Reads happen once, up front (evaluation-reads.ts), in a job of the store with user memory's sync of the
 * session's workflow attempts (the assessment reads them). Everything an evaluation stores — the rolling
 * summary, retractions, the suggestion, the gate, the decision, and for a delivery its conversation and
 * message — is stored together; announcements (socket events, decision listeners) follow the commit.
 *
 * How many pieces that takes depends on the models and the store:
 * - no model does I/O (no LLM: rules and extractive summaries) and the store's jobs are pieces of its group
 *   commit (SQLite): the whole evaluation is one piece — its reads, decision and writes, one transaction
 *   shared with whatever else commits in that turn, and no second turn's wait before its suggestion goes out;
 * - otherwise the job reads, and what is stored is one piece of the group commit: a transaction is never held
 *   open across a model call, and on PostgreSQL a job is a transaction of its own outside the groups (db/store.ts).
 */
import type { GateRecord } from "../../db/gate.repository.js";
import type { RepositoryPorts, Store, Transaction } from "../../db/store.js";
import type { DecisionOutcome, NewSuggestion, RecentSuggestion, SuggestionSource } from "../../db/suggestion.repository.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import { LlmError } from "../errors.js";
import type { Logger } from "../logger.js";
import { windowOf, type SessionWindow } from "../sessions/session-context.js";
import type { WindowCache } from "../sessions/window-cache.js";
import { workflowProgress } from "../workflows/workflow-progress.js";
import type { WorkflowSource } from "../workflows/workflow-catalog.js";
import type { Workflow } from "../workflows/workflows.schema.js";
import { normaliseText } from "../sessions/action-labels.js";
import { provisionalSummary, readForEvaluation, type EvaluationReads } from "./evaluation-reads.js";
import { afterDelivered, blockingReason, HOUR_MS, initialGate, settleGate, type GateConfig } from "./gates.js";
import type { Deliverer, Retractor } from "./publisher.js";
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
  /** The store: an evaluation's writes are one piece of its group commit (`write`). */
  repos: Store;
  windows: WindowCache;
  clock: Clock;
  logger: Logger;
  config: Config;
  workflows: WorkflowSource;
  suggester: Suggester;
  summarizer: RollingSummarizer;
  deliver: Deliverer;
  retract: Retractor;
  onDecision: (decision: Decision) => void;
  isClosed: () => boolean;
  /** User memory, triggers, precision holds and holdout (issue 14); absent: none of them. */
  memory?: MemoryPolicy;
  /** No model does I/O (no LLM configured): an evaluation never waits for anything outside the process. */
  localModels: boolean;
}

/** Where an evaluation reads after its first reads, where it stores, and when it announces. */
interface EvaluationIo {
  /** The job's transaction (one piece), or the store. */
  db: RepositoryPorts;
  /** Stores: in the job's transaction (one piece), or as a piece of the group commit. */
  store<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Runs `fn` once what was stored has committed. */
  afterCommit(fn: () => void): void;
  /** Nothing else can change the store during the evaluation (one piece): what it read once still holds. */
  unchanged: boolean;
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
  const settled = (sessionRef: number, record: GateRecord | undefined, now: number) => settleGate(record ?? initialGate(sessionRef, now), now, gateConfig);
  const gateOf = async (tx: Transaction, sessionRef: number, now: number) => settled(sessionRef, await tx.gates.find(sessionRef), now);

  interface Pending {
    ctx: SessionWindow;
    trigger: Trigger;
    started: number;
    modelMs: number;
    /** What the evaluation stores besides its decision (summary, retractions), inside its piece of the commit. */
    writes: ((tx: Transaction) => Promise<void>)[];
    /** What it announces once that piece has committed (retractions). */
    after: (() => void)[];
    rules?: RuleNote[];
    holdout?: boolean;
  }

  type Outcome = { outcome: DecisionOutcome; reason: string | null; source: SuggestionSource | null; modelError: string | null; detail?: string };

  /** Stores what the evaluation gathered without a decision (a summary, retractions), then announces it. */
  async function storeOnly(io: EvaluationIo, p: Pick<Pending, "writes" | "after">): Promise<void> {
    if (p.writes.length === 0) return;
    await io.store(async (tx) => {
      for (const write of p.writes) await write(tx);
    });
    io.afterCommit(() => {
      for (const fn of p.after) fn();
    });
  }

  /**
   * Stores the decision — with the evaluation's other writes, its suggestion, the gate and, for a delivery,
   * the conversation and message — as one piece of the group commit; then tells listeners and announces.
   */
  async function record(io: EvaluationIo, p: Pending, d: Outcome, suggestion?: NewSuggestion): Promise<Decision> {
    const now = clock.now();
    const session = p.ctx.session;
    const sessionRef = session.id;
    // The evaluation's own time: what follows is its share of a commit that other work shares too.
    const totalMs = performance.now() - p.started;
    const stored = await io.store(async (tx) => {
      for (const write of p.writes) await write(tx);
      const suggestionId = suggestion ? await tx.suggestions.insert(suggestion) : null;
      // The gate moves on a delivery — or a holdout, so the holdout's timing mirrors what is shown.
      if (d.outcome === "delivered" || d.reason === "holdout") await tx.gates.save(afterDelivered(await gateOf(tx, sessionRef, now), now, gateConfig));
      const decisionId = await tx.suggestions.insertDecision({
        sessionRef, suggestionId, outcome: d.outcome, reason: d.reason, trigger: p.trigger, source: d.source,
        modelError: d.modelError, detail: d.detail ?? null, rules: p.rules ?? [], holdout: p.holdout ?? false, createdAt: now,
      });
      let announce: (() => void) | void = undefined;
      if (suggestion && suggestionId !== null && d.outcome === "delivered") {
        try {
          // Its own savepoint: a delivery that fails leaves the decision standing, marked publish_failed.
          announce = await tx.transaction((sp) => deps.deliver({
            id: suggestionId, productId: session.productId, sessionRef, sessionId: session.sessionKey, text: suggestion.text,
            source: suggestion.source, model: suggestion.model, signal: suggestion.signal, createdAt: suggestion.createdAt,
            evidence: suggestion.evidence.indexes, evidenceActionIds: suggestion.evidence.actionIds,
          }, sp));
        } catch (err) {
          deps.logger.error({ err, suggestionId }, "delivering a suggestion failed");
          await tx.suggestions.setStatus(suggestionId, "publish_failed");
        }
      }
      return { suggestionId, decisionId, announce };
    });
    const decision: Decision = {
      id: stored.decisionId, sessionRef, productId: session.productId, sessionId: session.sessionKey, outcome: d.outcome,
      reason: d.reason, trigger: p.trigger, source: d.source, modelError: d.modelError, suggestionId: stored.suggestionId,
      text: suggestion?.text ?? null, createdAt: now, rules: p.rules ?? [], holdout: p.holdout ?? false,
      timings: { totalMs, modelMs: p.modelMs },
    };
    io.afterCommit(() => {
      for (const fn of p.after) fn();
      stored.announce?.();
      // Listeners hear of the decision once the scheduler has taken the evaluation's result (its re-check time
      // is worked out from the clock at the end of the evaluation, not whenever a listener moves it on).
      setImmediate(() => deps.onDecision(decision));
    });
    return decision;
  }

  /** Withdraws a shown (or still pending) suggestion once this evaluation has committed. */
  function retractLater(p: Pending, id: number, reason: string): void {
    const { session } = p.ctx;
    p.writes.push(async (tx) => {
      await tx.suggestions.setStatus(id, "retracted");
    });
    p.after.push(() => deps.retract({ id, productId: session.productId, sessionRef: session.id, sessionId: session.sessionKey, reason }));
  }

  /**
   * Suggestions on the user's screen or waiting to be (delivered or pending, no verdict) that pointed at a
   * workflow step the user has since done are withdrawn: an outdated hint is noise. Runs whatever the gates say.
   */
  function retractCompleted(p: Pending, recent: RecentSuggestion[], workflows: readonly Workflow[]): void {
    const { ctx } = p;
    for (const s of recent) {
      if ((s.status !== "delivered" && s.status !== "pending") || s.feedback !== null || s.workflowId === null || s.stepId === null) continue;
      const workflow = workflows.find((w) => w.id === s.workflowId);
      const stepIndex = workflow?.steps.findIndex((step) => step.id === s.stepId) ?? -1;
      if (!workflow || stepIndex < 0 || !workflowProgress(workflow, ctx.window).doneSteps.includes(stepIndex)) continue;
      retractLater(p, s.id, "step_done");
    }
  }

  /** The evaluation's reads, and user memory's sync of the session's workflow attempts (the assessment reads them). */
  async function readIn(tx: Transaction, sessionRef: number, signal: AbortSignal) {
    const reads = await readForEvaluation(tx, deps.windows, sessionRef, config.CONTEXT_WINDOW_ACTIONS, deps.summarizer.foldCount);
    if (reads && deps.memory && !signal.aborted && !deps.isClosed()) await deps.memory.prepare(tx, reads.session);
    return reads;
  }

  /** Reads on the store, stores in the group commit, announces at once (its commit has happened by then). */
  const split: EvaluationIo = { db: repos, store: (work) => repos.write(work), afterCommit: (fn) => fn(), unchanged: false };
  const onePiece = deps.localModels && repos.jobsJoinGroupCommit;

  return async function evaluate(sessionRef: number, signal: AbortSignal, trigger: Trigger): Promise<RunResult> {
    const started = performance.now();
    if (onePiece) {
      // Reads the store itself may need are done first: inside the piece they would wait for it.
      await deps.memory?.warm();
      // A piece may run twice (db/store.ts): what it announces is collected afresh on each run.
      const done = await repos.job(async (tx) => {
        const committed: (() => void)[] = [];
        const io: EvaluationIo = { db: tx, store: (work) => work(tx), afterCommit: (fn) => committed.push(fn), unchanged: true };
        const read = await readIn(tx, sessionRef, signal);
        return { result: read ? await decide(io, read, sessionRef, signal, trigger, started) : {}, committed };
      });
      for (const fn of done.committed) fn();
      return done.result;
    }
    // One job: one transaction, the session read once (on SQLite a piece of the group commit).
    const read = await repos.job((tx) => readIn(tx, sessionRef, signal));
    return read ? decide(split, read, sessionRef, signal, trigger, started) : {};
  };

  async function decide(io: EvaluationIo, read: EvaluationReads, sessionRef: number, signal: AbortSignal, trigger: Trigger, started: number): Promise<RunResult> {
    const writes: ((tx: Transaction) => Promise<void>)[] = [];
    const after: (() => void)[] = [];
    let summary = read.summary;
    let modelMs = 0;
    if (read.toFold.length > 0) {
      try {
        const t0 = performance.now();
        const fold = await deps.summarizer.fold(read.session, read.summary, read.toFold, signal, io.db);
        if (fold?.writer === "llm") modelMs += performance.now() - t0;
        if (fold) {
          writes.push(async (tx) => {
            if ((await fold.store(tx)) !== undefined) after.push(() => deps.windows.folded(sessionRef, fold.coversThroughActionId));
          });
          summary = provisionalSummary(read.session, read.summary, fold, clock.now());
        }
      } catch (err) {
        if (!signal.aborted) throw err;
      }
    }
    const p: Pending = { ctx: windowOf(read.session, summary, read.window), trigger, started, modelMs, writes, after };
    if (signal.aborted || deps.isClosed()) {
      if (signal.reason === SUPERSEDED && !deps.isClosed()) {
        await record(io, p, { outcome: "skipped", reason: "superseded", source: "llm", modelError: null, detail: "while summarising" });
      }
      return {};
    }
    const { ctx } = p;
    if (ctx.window.length === 0) {
      await storeOnly(io, p);
      return {};
    }
    // A delivery always saves the session's gate: a session without one has never been shown a suggestion,
    // so there is nothing to retract, count or repeat (a brand-new session's evaluation reads no history).
    const gate = await io.db.gates.find(sessionRef);
    let shownBefore = gate !== undefined;
    const recent = shownBefore ? await io.db.suggestions.recentSteps(sessionRef, RETRACT_LOOKBACK) : [];
    // This product's workflows only: another product's steps are never suggested here.
    const workflows = await deps.workflows.forProduct(ctx.session.productId, io.db);
    retractCompleted(p, recent, workflows);

    const now = clock.now();
    const lastActivityAt = lastActivityTime(ctx.window, ctx.session.lastSeenAt);
    const dwellAt = lastActivityAt + config.DWELL_MS;
    // Re-check once when the user would have dwelt long enough; not again until they act.
    const result: RunResult = dwellAt > now ? { recheckAt: dwellAt } : {};

    // Memory, behaviour triggers, precision holds and the holdout, against the product's own workflows.
    const base = suggestionInputOf(ctx, workflows, config.DWELL_MS, now);
    const assessment = await deps.memory?.assess(ctx, base, trigger, now, io.db);
    const input = assessment?.input ?? base;
    p.rules = assessment?.notes;
    p.holdout = assessment?.holdout;
    if (assessment) p.writes.push(...assessment.writes);
    // A shown suggestion (or one waiting for a widget to show it) that a fresh rage click or failed resubmit has
    // made stale is replaced, not waited on.
    const shown = recent.find((s) => (s.status === "delivered" || s.status === "pending") && s.feedback === null);
    const stale = input.signals[0] && URGENT_SIGNALS.has(input.signals[0].kind) && shown && !STRUGGLE_SIGNALS.has(shown.signal ?? "") ? shown : undefined;
    const replacesStale = stale !== undefined;

    const deliveredLastHour = async () => (shownBefore ? await io.db.suggestions.countDeliveredSince(sessionRef, clock.now() - HOUR_MS) : 0);
    const deliveredBefore = await deliveredLastHour();
    const early = blockingReason(settled(sessionRef, gate, now), now, gateConfig, { deliveredLastHour: deliveredBefore, replacesStale });
    if (early) {
      await record(io, p, { outcome: "skipped", reason: early, source: null, modelError: null });
      return result;
    }
    // What the user's behaviour and memory say — stale, just finished, moving fast, mastered…
    if (assessment?.hold) {
      await record(io, p, { outcome: "skipped", reason: assessment.hold.code, source: null, modelError: null, detail: assessment.hold.detail });
      if (assessment.recheckAt !== undefined) result.recheckAt = Math.min(result.recheckAt ?? Infinity, assessment.recheckAt);
      return result;
    }

    let outcome;
    try {
      outcome = await deps.suggester.suggest(input, signal);
    } catch (err) {
      if (err instanceof LlmError && err.code === "llm_aborted") {
        p.modelMs = performance.now() - started;
        if (!deps.isClosed() && signal.reason === SUPERSEDED) await record(io, p, { outcome: "skipped", reason: "superseded", source: "llm", modelError: null });
        return {};
      }
      throw err;
    }
    if (deps.isClosed()) return {};
    p.modelMs += outcome.latencyMs;
    const { result: r, source, modelError } = outcome;
    if (r.kind === "decline") {
      const reason = modelError ? "model_error" : "declined";
      await record(io, p, { outcome: "skipped", reason, source, modelError, detail: r.reason });
      return result;
    }

    const at = clock.now();
    const normText = normaliseText(r.text);
    // The model may have taken a while: look again (another evaluation may have delivered meanwhile).
    // In one piece nothing else reached the store since the first look, so it stands.
    const gateNow = io.unchanged ? gate : await io.db.gates.find(sessionRef);
    shownBefore ||= gateNow !== undefined;
    const late = blockingReason(settled(sessionRef, gateNow, at), at, gateConfig, {
      deliveredLastHour: io.unchanged ? deliveredBefore : await deliveredLastHour(),
      shownRecently: shownBefore && await io.db.suggestions.wasShownSince(sessionRef, normText, at - config.SUGGEST_REPEAT_WINDOW_MS),
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
    if (!reason && stale && STRUGGLE_SIGNALS.has(r.signal)) retractLater(p, stale.id, "replaced");
    await record(io, p, { outcome: reason ? "skipped" : "delivered", reason, source, modelError }, suggestion);
    return result;
  }
}

/**
 * The suggestion engine's public face (ARCHITECTURE.md steps 3–5). createApp builds one and subscribes it to
 * `ingest.onIngested`, so everything runs after the ingest commit, asynchronously: the model can never slow
 * or fail ingestion. The realtime layer calls `noteTyping`, `noteUserMessage` and `recordFeedback`, and
 * stores and announces delivered suggestions through the `deliver` function createApp hands it.
 */
import type { RepositoryPorts, Store } from "../../db/store.js";
import type { FeedbackVerdict, StoredSuggestion } from "../../db/suggestion.repository.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import { BadRequestError, NotFoundError } from "../errors.js";
import type { IngestedEvent } from "../ingest/ingest-event.js";
import type { Logger } from "../logger.js";
import type { WindowCache } from "../sessions/window-cache.js";
import type { WorkflowSource } from "../workflows/workflow-catalog.js";
import type { LlmClient } from "../llm/llm-port.js";
import { createSessionEvaluator, gateConfigOf, type Decision } from "./evaluate-session.js";
import { afterFeedback, afterTyping, afterUserMessage, initialGate, settleGate } from "./gates.js";
import { createLlmSuggestionModel } from "./llm.model.js";
import type { MemoryService } from "../memory/memory-service.js";
import { createMemoryPolicy } from "./memory-policy.js";
import type { Deliverer, Retractor } from "./publisher.js";
import { createRollingSummarizer } from "./rolling-summary.js";
import { createRulesModel } from "./rules.model.js";
import { createScheduler, type ExclusiveOptions, type RunResult, type Trigger } from "./scheduler.js";
import { createSuggester } from "./suggester.js";
import type { SuggestionInput } from "./suggestion-model.js";

export interface SuggestionEngineDeps {
  config: Config;
  logger: Logger;
  repos: Store;
  clock: Clock;
  workflows: WorkflowSource;
  /** The LLM gateway when one is configured (SUGGESTER / OPENAI_*), else null: the rules model alone. */
  llm: LlmClient | null;
  /** The app's group commit: an evaluation stores everything as one piece of it. */
  /** Windows of active sessions kept from their ingests; an evaluation reads the store only when it misses. */
  windows: WindowCache;
  /** Delivers what the gates let through (the conversation's widgets), inside the evaluation's commit. */
  deliver: Deliverer;
  /** Told when a shown suggestion no longer applies. */
  retract: Retractor;
  /** User memory (issue 14): workflow attempts feed triggers, suppression, precision holds and the holdout. */
  memory?: MemoryService;
  /** Server mode: one evaluation in flight per session across instances (scheduler.ts). Absent in one process. */
  exclusive?: ExclusiveOptions;
  /** MODEL_CALLS_PER_ADDRESS_PER_HOUR: whether a session's public address may cause one more model call. */
  admitLlm?: (productId: string, sessionKey: string) => Promise<boolean>;
}

export type DecisionListener = (decision: Decision) => void;

export function createSuggestionEngine(deps: SuggestionEngineDeps) {
  const { config, repos, clock } = deps;
  const logger = deps.logger.child({ component: "suggest" });
  const gateConfig = gateConfigOf(config);
  const limits = { maxActions: config.PROMPT_MAX_ACTIONS, maxChars: config.PROMPT_MAX_CHARS };
  const listeners = new Set<DecisionListener>();
  const admitLlm = deps.admitLlm;
  let closed = false;

  const evaluate = createSessionEvaluator({
    repos,
    clock,
    logger,
    config,
    workflows: deps.workflows,
    suggester: createSuggester({
      rules: createRulesModel(),
      llm: deps.llm ? createLlmSuggestionModel(deps.llm, limits) : null,
      logger,
      ...(admitLlm ? { admitLlm: (input: SuggestionInput) => (input.productId ? admitLlm(input.productId, input.sessionId) : Promise.resolve(true)) } : {}),
    }),
    summarizer: createRollingSummarizer({
      repos,
      clock,
      logger,
      workflows: deps.workflows,
      threshold: config.SUMMARY_THRESHOLD,
      keep: config.SUMMARY_KEEP_ACTIONS,
      limits,
      llm: deps.llm,
      ...(admitLlm ? { admitLlm } : {}),
    }),
    windows: deps.windows,
    deliver: deps.deliver,
    retract: deps.retract,
    onDecision(decision) {
      logger.debug({ sessionRef: decision.sessionRef, outcome: decision.outcome, reason: decision.reason, source: decision.source }, "suggestion decision");
      emit(decision);
    },
    isClosed: () => closed,
    // Rules and extractive summaries answer in the process: nothing an evaluation waits for is outside it.
    localModels: deps.llm === null,
    ...(deps.memory ? { memory: createMemoryPolicy({ repos, config, memory: deps.memory }) } : {}),
  });

  function emit(decision: Decision): void {
    for (const listener of listeners) {
      try {
        listener(decision);
      } catch (err) {
        logger.error({ err }, "decision listener failed");
      }
    }
  }

  /** A session over its evaluation budget: recorded (once a minute) like any other skip. */
  async function recordBudgetSkip(sessionRef: number, trigger: Trigger): Promise<void> {
    const session = await repos.sessions.findById(sessionRef);
    if (!session || closed) return;
    const now = clock.now();
    const detail = `more than ${config.SUGGEST_EVALUATIONS_PER_MIN} evaluations in a minute; the next one waits for the next minute`;
    const id = await repos.suggestions.insertDecision({
      sessionRef, suggestionId: null, outcome: "skipped", reason: "evaluation_budget", trigger, source: null, modelError: null, detail, createdAt: now,
    });
    logger.warn({ sessionRef, trigger }, "session over its evaluation budget");
    emit({
      id, sessionRef, productId: session.productId, sessionId: session.sessionKey, outcome: "skipped", reason: "evaluation_budget", trigger,
      source: null, modelError: null, suggestionId: null, text: null, createdAt: now, rules: [], holdout: false, timings: { totalMs: 0, modelMs: 0 },
    });
  }

  const scheduler = createScheduler({
    debounceMs: config.SUGGEST_DEBOUNCE_MS,
    maxWaitMs: config.SUGGEST_MAX_WAIT_MS,
    evaluationsPerMinute: config.SUGGEST_EVALUATIONS_PER_MIN,
    onBudgetExceeded: recordBudgetSkip,
    clock,
    logger,
    run: evaluate,
    ...(deps.exclusive ? { exclusive: deps.exclusive } : {}),
  });

  type GateChange = (g: ReturnType<typeof initialGate>, now: number, tx: RepositoryPorts) => Promise<ReturnType<typeof initialGate>>;

  /** Reads, changes and saves a session's gate in `tx`; the session must exist (the gates table references sessions). */
  async function changeGate(tx: RepositoryPorts, sessionRef: number, change: GateChange): Promise<void> {
    if (!(await tx.sessions.findById(sessionRef))) throw new NotFoundError("unknown_session", `no session with ref ${sessionRef}`);
    const now = clock.now();
    const current = settleGate((await tx.gates.find(sessionRef)) ?? initialGate(sessionRef, now), now, gateConfig);
    await tx.gates.save(await change(current, now, tx));
  }

  /** Read, change and save in one transaction: two changes at once never lose one. */
  async function updateGate(sessionRef: number, change: GateChange): Promise<void> {
    await repos.transaction((tx) => changeGate(tx, sessionRef, change));
  }

  return {
    /** The ingest listener: new actions schedule an evaluation; a pushed summary changes nothing to suggest. */
    onIngested(event: IngestedEvent): void {
      if (event.kind === "actions" && !closed) scheduler.notify(event.sessionRef);
    },

    /** The user is (or stopped) typing in the chat: proactive suggestions hold back meanwhile. */
    noteTyping(sessionRef: number, active: boolean): Promise<void> {
      return updateGate(sessionRef, async (g, now) => afterTyping(g, active, now, gateConfig));
    },

    /**
     * The user sent a chat message: the conversation turns reactive, and nothing proactive follows right away.
     * Given the transaction that stores the message, in it: once the message is acknowledged, so is the hold.
     */
    noteUserMessage(sessionRef: number, tx?: RepositoryPorts): Promise<void> {
      const change: GateChange = async (g, now) => afterUserMessage(g, now);
      return tx ? changeGate(tx, sessionRef, change) : updateGate(sessionRef, change);
    },

    /** The user accepted or dismissed a suggestion; dismissals lengthen the session's cooldown. */
    async recordFeedback(suggestionId: number, verdict: FeedbackVerdict): Promise<StoredSuggestion> {
      const suggestion = await repos.suggestions.findById(suggestionId);
      if (!suggestion) throw new NotFoundError("unknown_suggestion", `no suggestion ${suggestionId}`);
      // Pending or expired ones may have been shown without their acknowledgement arriving (feedback proves it).
      if (suggestion.status !== "delivered" && suggestion.status !== "pending" && suggestion.status !== "expired") {
        throw new BadRequestError("suggestion_not_delivered", `suggestion ${suggestionId} was never shown (status ${suggestion.status})`);
      }
      await updateGate(suggestion.sessionRef, async (g, now, tx) => {
        await tx.suggestions.setFeedback(suggestionId, verdict, now);
        return afterFeedback(g, verdict, now, gateConfig);
      });
      return (await repos.suggestions.findById(suggestionId))!;
    },

    /** Evaluates a session now, skipping the debounce (admin tools, tests, benches). */
    evaluateNow: (sessionRef: number): Promise<void> => scheduler.runNow(sessionRef),

    /**
     * One evaluation outside the scheduler: no timers are set, and the re-check time it asks for is returned
     * instead. The offline evaluation (`npm run eval`) replays the scheduler's timing on an injected clock.
     */
    evaluateOnce: (sessionRef: number, trigger: Trigger): Promise<RunResult> => evaluate(sessionRef, new AbortController().signal, trigger),

    /** Every decision, delivered or skipped, after it is stored. Returns the unsubscribe function. */
    onDecision(listener: DecisionListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    stats: () => scheduler.stats(),

    /** Stops timers and aborts in-flight model calls; nothing is written after it resolves. */
    async close(): Promise<void> {
      closed = true;
      await scheduler.close();
    },
  };
}

export type SuggestionEngine = ReturnType<typeof createSuggestionEngine>;
export type { Decision };

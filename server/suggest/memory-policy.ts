/**
 * Where user memory meets the suggestion engine (issue 14): before an evaluation it syncs the session's
 * workflow attempts; then it reads the user's memory, runs the precision holds and the behaviour triggers,
 * and settles the session's holdout assignment — everything the evaluation needs, in one assessment.
 */
import type { Session } from "../../db/session.repository.js";
import type { RepositoryPorts, Transaction } from "../../db/store.js";
import type { Config } from "../config.js";
import { createHoldoutDraw } from "../memory/holdout.js";
import { describeMemory } from "../memory/memory-prompt.js";
import type { MemoryService } from "../memory/memory-service.js";
import { loadMemoryView, type MemorySettings } from "../memory/memory-view.js";
import type { SessionWindow } from "../sessions/session-context.js";
import { precisionHold, type PrecisionSettings } from "./precision.js";
import { TRIGGER_CODES, type HoldCode, type RuleNote } from "./rule-notes.js";
import type { Trigger } from "./scheduler.js";
import type { SuggestionInput } from "./suggestion-model.js";
import { evaluateTriggers, type TriggerSettings } from "./triggers.js";

export interface Assessment {
  /** The input with its triggers and memory lines. */
  input: SuggestionInput;
  /** Say nothing proactive now, for this reason. */
  hold: (RuleNote & { code: HoldCode }) | null;
  recheckAt?: number;
  /** Every rule that applied, stored with the decision. */
  notes: RuleNote[];
  /** The session is in the holdout: compute and store, never show. */
  holdout: boolean;
  /** Writes to store with the decision (a new holdout assignment). */
  writes: ((tx: Transaction) => Promise<void>)[];
}

export function memorySettingsOf(config: Config): MemorySettings {
  return {
    rule: {
      completions: config.MEMORY_MASTERY_COMPLETIONS,
      cleanCompletions: config.MEMORY_MASTERY_CLEAN_COMPLETIONS,
      quickAttempts: config.MEMORY_QUICK_MASTERY_ATTEMPTS,
    },
    abandonAfterMs: config.MEMORY_ABANDON_AFTER_MS,
    lookbackMs: config.USER_LOOKBACK_DAYS * 86_400_000,
  };
}

export function createMemoryPolicy(deps: { repos: RepositoryPorts; config: Config; memory: MemoryService }) {
  const { repos, config } = deps;
  const settings = memorySettingsOf(config);
  const disabled = new Set(config.TRIGGERS_DISABLED ?? []);
  const triggers: TriggerSettings = {
    enabled: new Set(TRIGGER_CODES.filter((c) => !disabled.has(c))),
    failures: config.TRIGGER_FAILURES,
    returningDays: config.TRIGGER_RETURNING_DAYS,
    lowCompletionPct: config.TRIGGER_LOW_COMPLETION_PCT,
    lowCompletionAttempts: config.TRIGGER_LOW_COMPLETION_ATTEMPTS,
    unfinishedMinPct: config.TRIGGER_UNFINISHED_MIN_PCT,
    stallMs: config.TRIGGER_STALL_MS,
    stallActions: config.TRIGGER_STALL_ACTIONS,
  };
  const precision: PrecisionSettings = {
    staleAfterMs: config.SUGGEST_STALE_AFTER_MS,
    completionCooldownMs: config.SUGGEST_COMPLETION_COOLDOWN_MS,
    paceHoldMaxMs: config.SUGGEST_PACE_HOLD_MAX_MS,
    debounceMs: config.SUGGEST_DEBOUNCE_MS,
    maxWaitMs: config.SUGGEST_MAX_WAIT_MS,
  };
  const holdout = { pct: config.SUGGEST_HOLDOUT_PCT, unit: config.SUGGEST_HOLDOUT_UNIT };
  const drawHoldout = createHoldoutDraw(holdout);

  return {
    /**
     * Brings the session's workflow attempts up to date before it is evaluated, in the transaction that read
     * the session for the evaluation (a job of the store).
     */
    prepare(tx: RepositoryPorts, session: Session): Promise<void> {
      return deps.memory.syncIn(tx, session);
    },

    /**
     * Reads what holdout draws need once, outside any transaction (the salt): an evaluation that runs as one
     * piece of the group commit can then draw without a read of the store itself, which would wait for that piece.
     */
    warm(): Promise<void> {
      return drawHoldout.warm(repos);
    },

    /** `db`: the evaluation's open transaction when it runs in one (a read on the store itself would wait for it). */
    async assess(ctx: SessionWindow, input: SuggestionInput, trigger: Trigger, now: number, db: RepositoryPorts = repos): Promise<Assessment> {
      const view = await loadMemoryView(db, settings, ctx.session, input.workflows, now);
      const held = precisionHold(
        { window: ctx.window, receivedAt: ctx.windowReceivedAt, windowActionIds: ctx.windowActionIds, placement: input.placement, signals: input.signals, sessionAttempts: view.sessionAttempts, trigger, now },
        precision,
      );
      const outcome = evaluateTriggers(input, { memory: view, receivedAt: ctx.windowReceivedAt }, triggers);
      const notes = [...outcome.notes];
      const hold = held ? { code: held.code, detail: held.detail } : outcome.hold;
      if (held) notes.push(hold!);
      const { holdout: inHoldout, store } = await drawHoldout.draw(db, ctx.session, view.scope, now);
      if (inHoldout) notes.push({ code: "holdout", detail: `in the ${holdout.pct} % holdout: computed and stored, never shown` });
      return {
        input: { ...input, triggers: outcome, memoryLines: describeMemory(view, input.workflows) },
        hold,
        ...(held?.recheckAt !== undefined ? { recheckAt: held.recheckAt } : {}),
        notes,
        holdout: inHoldout,
        writes: store ? [store] : [],
      };
    },
  };
}

export type MemoryPolicy = ReturnType<typeof createMemoryPolicy>;

/**
 * What the memory, trigger and precision rules say about one evaluation: the triggers that fired, the
 * rule that holds a suggestion back (if any), and a note per rule that applied — stored with the decision
 * so the admin page can show why something was (or was not) said.
 */
import type { Workflow, WorkflowStep } from "../workflows/workflows.schema.js";

export const TRIGGER_CODES = [
  "repeated_failure",
  "first_attempt",
  "low_completion",
  "stall",
  "skipped_step",
  "returning_user",
  "unfinished_workflow",
] as const;
export type TriggerCode = (typeof TRIGGER_CODES)[number];

/** Reasons to stay silent that come from the user's behaviour or memory (decision reason codes). */
export type HoldCode = "stale" | "after_completion" | "moving_fast" | "mastered" | "quick_learner";

export interface RuleNote {
  code: string;
  detail: string;
}

export interface TriggerHit {
  code: TriggerCode;
  workflow: Workflow;
  /** The step the suggestion names (and follow-through is measured on). */
  step: WorkflowStep;
  detail: string;
  /** Figures the text may quote. */
  completionPct?: number;
  failures?: number;
  daysAway?: number;
  target?: string;
}

export interface TriggerOutcome {
  /** Strongest first; the first one shapes the suggestion. */
  hits: TriggerHit[];
  /** When set, nothing proactive is said now. */
  hold: (RuleNote & { code: HoldCode }) | null;
  /** Evaluate again then if nothing else happens first (a pace hold). */
  recheckAt?: number;
  /** Mastered workflows: no suggestion names their steps. */
  suppressedWorkflowIds: readonly string[];
  notes: RuleNote[];
}

export const NO_TRIGGERS: TriggerOutcome = { hits: [], hold: null, suppressedWorkflowIds: [], notes: [] };

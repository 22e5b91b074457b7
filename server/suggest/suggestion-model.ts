/**
 * The one interface both suggestion models implement (ARCHITECTURE.md step 5): given what the session
 * looks like now, propose one helpful next step — or decline when nothing would help.
 */
import type { TokenUsage } from "../../db/suggestion.repository.js";
import type { SlimAction } from "../ingest/autoplay.schema.js";
import type { WorkflowProgress } from "../workflows/workflow-progress.js";
import type { Workflow } from "../workflows/workflows.schema.js";
import type { TriggerOutcome } from "./rule-notes.js";
import type { StruggleSignal } from "./struggle-detectors.js";

export interface SuggestionInput {
  /** The session's product (the per-address model budget finds the session's address by it and sessionId). */
  productId?: string;
  sessionId: string;
  goal: string | null;
  summary: string | null;
  /** The session's context window, oldest first, indexed from 0. */
  window: readonly SlimAction[];
  workflows: readonly Workflow[];
  /** The workflow the user is in, if any (PROTOCOL.md §6). */
  placement: WorkflowProgress | undefined;
  /** Current struggle signals, strongest first. */
  signals: readonly StruggleSignal[];
  now: number;
  /** User memory's triggers and suppressions (issue 14); absent where no memory was consulted. */
  triggers?: TriggerOutcome;
  /** The user's memory, as data lines for an LLM prompt (neutralised there). */
  memoryLines?: readonly string[];
}

export type ModelResult =
  | {
      kind: "suggestion";
      text: string;
      /** Window indexes of the actions that led to it. */
      evidence: number[];
      /** What prompted it: `workflow_step`, a struggle kind, or `llm`. */
      signal: string;
      workflowId: string | null;
      stepId: string | null;
      model: string;
      usage: TokenUsage | null;
    }
  | { kind: "decline"; reason: string; model: string; usage: TokenUsage | null };

export interface SuggestionModel {
  readonly source: "llm" | "rules";
  suggest(input: SuggestionInput, options?: { signal?: AbortSignal }): Promise<ModelResult>;
}

/** Longest text a suggestion may have, whichever model wrote it. */
export const MAX_SUGGESTION_CHARS = 240;

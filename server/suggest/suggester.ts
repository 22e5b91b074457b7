/**
 * Picks the model for one evaluation: the LLM (through the gateway, whose circuit breaker may refuse at
 * once), the rules model otherwise. Any LLM failure falls back to rules, and the reason is reported so the
 * decision can record it. A cancelled (superseded) call is not a failure: it rethrows `llm_aborted`.
 */
import { LlmError, type LlmErrorCode } from "../errors.js";
import type { Logger } from "../logger.js";
import type { ModelResult, SuggestionInput, SuggestionModel } from "./suggestion-model.js";

export interface SuggestOutcome {
  result: ModelResult;
  source: "llm" | "rules";
  /** Time spent in the model that answered, in ms (a failed LLM attempt is included: the user waited for it). */
  latencyMs: number;
  /** Why the LLM did not answer, when one is configured and rules answered instead. */
  modelError: Exclude<LlmErrorCode, "llm_breaker_open"> | "breaker_open" | "address_budget" | null;
}

export interface Suggester {
  suggest(input: SuggestionInput, signal: AbortSignal): Promise<SuggestOutcome>;
}

export interface SuggesterDeps {
  rules: SuggestionModel;
  llm: SuggestionModel | null;
  logger: Logger;
  /** Whether this session's public address may cause one more model call; absent: always. */
  admitLlm?: (input: SuggestionInput) => Promise<boolean>;
}

export function createSuggester(deps: SuggesterDeps): Suggester {
  const { rules, llm, logger } = deps;
  return {
    async suggest(input, signal) {
      const started = performance.now();
      let modelError: SuggestOutcome["modelError"] = null;
      if (llm && deps.admitLlm && !(await deps.admitLlm(input))) {
        modelError = "address_budget";
      } else if (llm) {
        try {
          const result = await llm.suggest(input, { signal });
          return { result, source: "llm", latencyMs: performance.now() - started, modelError: null };
        } catch (err) {
          const e = err instanceof LlmError ? err : new LlmError("llm_unavailable", String(err));
          if (e.code === "llm_aborted" || signal.aborted) throw new LlmError("llm_aborted", "superseded");
          modelError = e.code === "llm_breaker_open" ? "breaker_open" : e.code;
          if (modelError !== "breaker_open") logger.warn({ code: e.code }, "LLM suggestion failed; using the rules model");
        }
      }
      const result = await rules.suggest(input, { signal });
      return { result, source: "rules", latencyMs: performance.now() - started, modelError };
    },
  };
}

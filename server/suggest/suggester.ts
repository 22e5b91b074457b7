/**
 * Picks the model for one evaluation: the LLM while its circuit breaker allows, the rules model otherwise.
 * Any LLM failure falls back to rules, and the reason is reported so the decision can record it.
 * A cancelled (superseded) call is not a failure: it rethrows `llm_aborted` and leaves the breaker alone.
 */
import { LlmError, type LlmErrorCode } from "../errors.js";
import type { Logger } from "../logger.js";
import type { CircuitBreaker } from "./circuit-breaker.js";
import type { ModelResult, SuggestionInput, SuggestionModel } from "./suggestion-model.js";

export interface SuggestOutcome {
  result: ModelResult;
  source: "llm" | "rules";
  /** Time spent in the model that answered, in ms (a failed LLM attempt is included: the user waited for it). */
  latencyMs: number;
  /** Why the LLM did not answer, when one is configured and rules answered instead. */
  modelError: LlmErrorCode | "breaker_open" | null;
}

export interface Suggester {
  suggest(input: SuggestionInput, signal: AbortSignal): Promise<SuggestOutcome>;
}

export function createSuggester(deps: { rules: SuggestionModel; llm: SuggestionModel | null; breaker: CircuitBreaker | null; logger: Logger }): Suggester {
  const { rules, llm, breaker, logger } = deps;
  return {
    async suggest(input, signal) {
      const started = performance.now();
      let modelError: SuggestOutcome["modelError"] = null;
      if (llm && breaker) {
        if (breaker.tryAcquire()) {
          try {
            const result = await llm.suggest(input, { signal });
            breaker.onSuccess();
            return { result, source: "llm", latencyMs: performance.now() - started, modelError: null };
          } catch (err) {
            const e = err instanceof LlmError ? err : new LlmError("llm_unavailable", String(err));
            if (e.code === "llm_aborted" || signal.aborted) {
              breaker.onCancel();
              throw new LlmError("llm_aborted", "superseded");
            }
            // A reply we cannot use means the server is up: it does not count towards opening the breaker.
            if (e.code === "llm_invalid_output") breaker.onSuccess();
            else breaker.onFailure();
            modelError = e.code;
            logger.warn({ code: e.code, breaker: breaker.state() }, "LLM suggestion failed; using the rules model");
          }
        } else {
          modelError = "breaker_open";
        }
      }
      const result = await rules.suggest(input, { signal });
      return { result, source: "rules", latencyMs: performance.now() - started, modelError };
    },
  };
}

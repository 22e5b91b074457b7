/** Counts the engine's decisions (delivered, or skipped by reason), feedback, and the breaker's state. */
import type { Metrics } from "../metrics.js";
import type { SuggestionEngine } from "./suggestion-engine.js";

export function observeEngine(engine: SuggestionEngine, metrics: Metrics): SuggestionEngine {
  engine.onDecision((d) => {
    metrics.suggestions.inc({ source: d.source ?? "none", outcome: d.outcome });
    if (d.outcome === "skipped") metrics.suggestionSkips.inc({ reason: d.reason ?? "unknown" });
    // A call the open breaker refused never reaches the LLM (so instrumentLlm never sees it): counted here.
    if (d.modelError === "breaker_open") metrics.modelErrors.inc({ code: "breaker_open" });
    const breaker = engine.breakerState();
    if (breaker) metrics.breakerState.set(breaker);
  });
  return {
    ...engine,
    recordFeedback(suggestionId, verdict) {
      const stored = engine.recordFeedback(suggestionId, verdict);
      metrics.suggestionFeedback.inc({ verdict });
      return stored;
    },
  };
}

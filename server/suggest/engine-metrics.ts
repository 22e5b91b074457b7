/** Counts the engine's decisions (delivered, or skipped by reason) and feedback. The LLM gateway counts its own calls. */
import type { Metrics } from "../metrics.js";
import type { SuggestionEngine } from "./suggestion-engine.js";

export function observeEngine(engine: SuggestionEngine, metrics: Metrics): SuggestionEngine {
  engine.onDecision((d) => {
    metrics.suggestions.inc({ source: d.source ?? "none", outcome: d.outcome });
    if (d.outcome === "skipped") metrics.suggestionSkips.inc({ reason: d.reason ?? "unknown" });
  });
  return {
    ...engine,
    async recordFeedback(suggestionId, verdict) {
      const stored = await engine.recordFeedback(suggestionId, verdict);
      metrics.suggestionFeedback.inc({ verdict });
      return stored;
    },
  };
}

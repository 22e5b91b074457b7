/**
 * Recent suggestions across a product's sessions, each with the reason code of the decision that stored it
 * and its outcome, plus the recent skipped decisions (the gates' and the models' reasons for saying nothing).
 */
import type { RepositoryPorts } from "../../db/store.js";
import type { AdminRuleNote, AdminSuggestionsResponse } from "../contracts/admin.js";
import type { SuggestionsQuery } from "./admin-queries.schema.js";
import { suggestionOutcome } from "./suggestion-outcome.js";

const iso = (ms: number) => new Date(ms).toISOString();
const rulesOf = (json: string | null): AdminRuleNote[] => (json ? (JSON.parse(json) as AdminRuleNote[]) : []);

export async function listRecentSuggestions(
  deps: { repos: RepositoryPorts; interactionTimeoutMs: number },
  productId: string,
  query: SuggestionsQuery,
  now: number,
): Promise<AdminSuggestionsResponse> {
  const { repos, interactionTimeoutMs } = deps;
  return {
    product_id: productId,
    now: iso(now),
    interaction_timeout_ms: interactionTimeoutMs,
    suggestions: (await repos.adminFeed.recentSuggestions(productId, query.limit)).map((s) => ({
      id: s.id,
      session_id: s.sessionId,
      conversation_id: s.conversationId,
      text: s.text,
      source: s.source,
      model: s.model,
      signal: s.signal,
      workflow_id: s.workflowId,
      step_id: s.stepId,
      status: s.status,
      delivered_at: s.deliveredAt === null ? null : iso(s.deliveredAt),
      reason: s.reason,
      trigger: s.trigger,
      model_error: s.modelError,
      rules: rulesOf(s.rules),
      latency_ms: s.latencyMs,
      outcome: suggestionOutcome(s, now, interactionTimeoutMs),
      feedback_at: s.feedbackAt === null ? null : iso(s.feedbackAt),
      created_at: iso(s.createdAt),
    })),
    skips: (await repos.adminFeed.recentSkips(productId, query.limit)).map((d) => ({
      id: d.id,
      session_id: d.sessionId,
      reason: d.reason,
      trigger: d.trigger,
      source: d.source,
      model_error: d.modelError,
      detail: d.detail,
      suggestion_id: d.suggestionId,
      suggestion_text: d.suggestionText,
      rules: rulesOf(d.rules),
      holdout: d.holdout === 1,
      created_at: iso(d.createdAt),
    })),
  };
}

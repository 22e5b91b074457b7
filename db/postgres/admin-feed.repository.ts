import type { AdminFeedRepository, SkipFeedItem, SuggestionFeedItem } from "../admin-feed.repository.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";

export function createPgAdminFeedRepository(ex: Executor): AsyncOf<AdminFeedRepository> {
  return {
    recentSuggestions: (productId, limit) =>
      ex.rows<SuggestionFeedItem>(
        `SELECT g.id, s.session_key AS "sessionId", l.conversation_id AS "conversationId", g.text, g.source, g.model, g.signal,
                g.workflow_id AS "workflowId", g.step_id AS "stepId", g.status, d.reason, d.trigger, g.model_error AS "modelError", d.rules,
                g.latency_ms AS "latencyMs", g.feedback, g.feedback_at AS "feedbackAt", g.created_at AS "createdAt",
                g.delivered_at AS "deliveredAt"
         FROM suggestions g
         JOIN sessions s ON s.id = g.session_ref
         LEFT JOIN suggestion_decisions d ON d.suggestion_id = g.id
         LEFT JOIN conversation_links l ON l.session_ref = g.session_ref
         WHERE s.product_id = $1
         ORDER BY g.id DESC LIMIT $2`,
        [productId, limit],
      ),
    recentSkips: (productId, limit) =>
      ex.rows<SkipFeedItem>(
        `SELECT d.id, s.session_key AS "sessionId", d.reason, d.trigger, d.source, d.model_error AS "modelError", d.detail,
                d.suggestion_id AS "suggestionId", g.text AS "suggestionText", d.rules, d.holdout, d.created_at AS "createdAt"
         FROM suggestion_decisions d
         JOIN sessions s ON s.id = d.session_ref
         LEFT JOIN suggestions g ON g.id = d.suggestion_id
         WHERE d.outcome = 'skipped' AND s.product_id = $1
         ORDER BY d.id DESC LIMIT $2`,
        [productId, limit],
      ),
  };
}

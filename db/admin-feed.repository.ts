/**
 * The admin page's cross-session feeds: the newest suggestions of a product with the decision that stored
 * each one (its reason code), and the newest skipped decisions. Both walk their table from the newest id
 * and stop at `limit` rows of the product. CROSS JOIN keeps that order: left to itself, SQLite starts from
 * the product's sessions and sorts every suggestion they have.
 */
import type { Db } from "./connection.js";
import type { FeedbackVerdict, SuggestionSource, SuggestionStatus } from "./suggestion.repository.js";

export interface SuggestionFeedItem {
  id: number;
  sessionId: string;
  conversationId: string | null;
  text: string;
  source: SuggestionSource;
  model: string;
  signal: string | null;
  workflowId: string | null;
  stepId: string | null;
  status: SuggestionStatus;
  /** The decision's reason code: null when delivered, the gate's reason when held back after the model ran. */
  reason: string | null;
  trigger: string | null;
  modelError: string | null;
  /** The decision's rules, JSON (issue 14). */
  rules: string | null;
  latencyMs: number;
  feedback: FeedbackVerdict | null;
  feedbackAt: number | null;
  createdAt: number;
  deliveredAt: number | null;
}

export interface SkipFeedItem {
  id: number;
  sessionId: string;
  reason: string | null;
  trigger: string;
  source: SuggestionSource | null;
  modelError: string | null;
  detail: string | null;
  suggestionId: number | null;
  /** The candidate text, when the model produced one before the skip (e.g. `duplicate`). */
  suggestionText: string | null;
  rules: string | null;
  holdout: number;
  createdAt: number;
}

export function createAdminFeedRepository(db: Db) {
  const suggestions = db.prepare<[string, number], SuggestionFeedItem>(`
    SELECT g.id, s.session_key AS sessionId, l.conversation_id AS conversationId, g.text, g.source, g.model, g.signal,
           g.workflow_id AS workflowId, g.step_id AS stepId, g.status, d.reason, d.trigger, g.model_error AS modelError, d.rules,
           g.latency_ms AS latencyMs, g.feedback, g.feedback_at AS feedbackAt, g.created_at AS createdAt,
           g.delivered_at AS deliveredAt
    FROM suggestions g
    CROSS JOIN sessions s ON s.id = g.session_ref
    LEFT JOIN suggestion_decisions d ON d.suggestion_id = g.id
    LEFT JOIN conversation_links l ON l.session_ref = g.session_ref
    WHERE s.product_id = ?
    ORDER BY g.id DESC LIMIT ?`);
  const skips = db.prepare<[string, number], SkipFeedItem>(`
    SELECT d.id, s.session_key AS sessionId, d.reason, d.trigger, d.source, d.model_error AS modelError, d.detail,
           d.suggestion_id AS suggestionId, g.text AS suggestionText, d.rules, d.holdout, d.created_at AS createdAt
    FROM suggestion_decisions d
    CROSS JOIN sessions s ON s.id = d.session_ref
    LEFT JOIN suggestions g ON g.id = d.suggestion_id
    WHERE d.outcome = 'skipped' AND s.product_id = ?
    ORDER BY d.id DESC LIMIT ?`);

  return {
    /** The product's newest suggestions (delivered or not), newest first. */
    recentSuggestions: (productId: string, limit: number): SuggestionFeedItem[] => suggestions.all(productId, limit),
    /** The product's newest skipped decisions, newest first. */
    recentSkips: (productId: string, limit: number): SkipFeedItem[] => skips.all(productId, limit),
  };
}

export type AdminFeedRepository = ReturnType<typeof createAdminFeedRepository>;

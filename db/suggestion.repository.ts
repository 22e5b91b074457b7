import type { Db } from "./connection.js";
import { decisionColumns, decisionOf, fromRecord, pendingOf, suggestionColumns, type DecisionRow, type PendingRow, type SuggestionRecord } from "./suggestion-rows.js";

export type SuggestionSource = "llm" | "rules";
/**
 * Delivery (PROTOCOL.md §3.3): a suggestion the gates let through is `pending` until a widget of its session
 * or user acknowledges it (`delivered`), or SUGGESTION_TTL_S passes without one (`expired`). Pending and
 * `retracted` suggestions count for the hourly cap and repeats like delivered ones; expired ones were never seen.
 * So do `held_out` ones (the holdout's: decided, never shown), so the holdout's timing mirrors what is shown.
 */
export type SuggestionStatus = "pending" | "delivered" | "expired" | "skipped" | "superseded" | "publish_failed" | "retracted" | "held_out";
export type FeedbackVerdict = "accepted" | "dismissed";

export interface SuggestionEvidence {
  /** Window indexes (as in the session's context) of the actions that led to the suggestion. */
  indexes: number[];
  /** Database ids of the same actions: stable when the window moves on. */
  actionIds: number[];
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface StoredSuggestion {
  id: number;
  sessionRef: number;
  text: string;
  normText: string;
  source: SuggestionSource;
  model: string;
  signal: string | null;
  workflowId: string | null;
  stepId: string | null;
  latencyMs: number;
  usage: TokenUsage | null;
  evidence: SuggestionEvidence;
  status: SuggestionStatus;
  modelError: string | null;
  feedback: FeedbackVerdict | null;
  feedbackAt: number | null;
  createdAt: number;
  /** When a widget acknowledged it (null until then, and for suggestions delivered before acknowledgements existed). */
  deliveredAt: number | null;
}

/** What an evaluation reads of a session's recent suggestions. */
export type RecentSuggestion = Pick<StoredSuggestion, "id" | "status" | "feedback" | "workflowId" | "stepId" | "signal">;

export type NewSuggestion = Omit<StoredSuggestion, "id" | "feedback" | "feedbackAt" | "deliveredAt">;

/** A pending suggestion as delivery needs it. */
export interface PendingSuggestion {
  id: number;
  sessionRef: number;
  productId: string;
  sessionId: string;
  text: string;
  source: SuggestionSource;
  evidence: SuggestionEvidence;
  createdAt: number;
}

export type DecisionOutcome = "delivered" | "skipped";

export interface StoredDecision {
  id: number;
  sessionRef: number;
  suggestionId: number | null;
  outcome: DecisionOutcome;
  reason: string | null;
  trigger: string;
  source: SuggestionSource | null;
  modelError: string | null;
  detail: string | null;
  /** The memory, trigger and precision rules that applied ({code, detail}). */
  rules: { code: string; detail: string }[];
  /** Decided for a session in the holdout. */
  holdout: boolean;
  createdAt: number;
}

export type NewDecision = Omit<StoredDecision, "id" | "rules" | "holdout"> & Partial<Pick<StoredDecision, "rules" | "holdout">>;

const COLUMNS = `id, session_ref AS sessionRef, text, norm_text AS normText, source, model, signal,
  workflow_id AS workflowId, step_id AS stepId, latency_ms AS latencyMs, prompt_tokens AS promptTokens,
  completion_tokens AS completionTokens, total_tokens AS totalTokens, evidence, status,
  model_error AS modelError, feedback, feedback_at AS feedbackAt, created_at AS createdAt, delivered_at AS deliveredAt`;

const DECISION_COLUMNS = `id, session_ref AS sessionRef, suggestion_id AS suggestionId, outcome, reason, trigger,
  source, model_error AS modelError, detail, rules, holdout, created_at AS createdAt`;

export function createSuggestionRepository(db: Db) {
  const insert = db.prepare<Record<string, unknown>, { id: number }>(`
    INSERT INTO suggestions (session_ref, text, norm_text, source, model, signal, workflow_id, step_id, latency_ms,
                             prompt_tokens, completion_tokens, total_tokens, evidence, status, model_error, created_at)
    VALUES (@sessionRef, @text, @normText, @source, @model, @signal, @workflowId, @stepId, @latencyMs,
            @promptTokens, @completionTokens, @totalTokens, @evidence, @status, @modelError, @createdAt)
    RETURNING id`);
  const byId = db.prepare<[number], SuggestionRecord>(`SELECT ${COLUMNS} FROM suggestions WHERE id = ?`);
  const recent = db.prepare<[number, number], SuggestionRecord>(
    `SELECT ${COLUMNS} FROM suggestions WHERE session_ref = ? ORDER BY id DESC LIMIT ?`,
  );
  // What an evaluation looks at in the session's newest suggestions (retraction, replacing a stale one): six
  // columns, not nineteen.
  const shownSteps = db
    .prepare<[number, number], [number, string, string | null, string | null, string | null, string | null]>(
      "SELECT id, status, feedback, workflow_id, step_id, signal FROM suggestions WHERE session_ref = ? ORDER BY id DESC LIMIT ?",
    )
    .raw(true);
  const deliveredSince = db
    .prepare<[number, number], number>(
      "SELECT count(*) FROM suggestions WHERE session_ref = ? AND status IN ('pending', 'delivered', 'retracted', 'held_out') AND created_at > ?",
    )
    .pluck();
  const shownSince = db
    .prepare<[number, string, number], number>(
      "SELECT count(*) FROM suggestions WHERE session_ref = ? AND norm_text = ? AND status IN ('pending', 'delivered', 'retracted', 'held_out') AND created_at > ?",
    )
    .pluck();
  const setStatus = db.prepare<[string, number]>("UPDATE suggestions SET status = ? WHERE id = ?");
  // A late acknowledgement (or feedback, which proves the user saw it) still counts: expired → delivered.
  const markDelivered = db.prepare<[number, number]>(
    "UPDATE suggestions SET status = 'delivered', delivered_at = ? WHERE id = ? AND status IN ('pending', 'expired')",
  );
  const expire = db.prepare<[number, number]>(`
    UPDATE suggestions SET status = 'expired' WHERE id IN (
      SELECT id FROM suggestions INDEXED BY suggestions_pending WHERE status = 'pending' AND created_at < ? ORDER BY created_at LIMIT ?)`);
  // What a widget may be shown: pending suggestions of its session, of the sessions sharing its conversation and
  // of its user's own sessions, since @since; newest first, up to @limit. Each session is looked up by the
  // (session_ref, status, created_at) index, so the cost follows the widget's sessions, not all that is pending.
  const pendingFor = db.prepare<
    { since: number; sessionRef: number; conversationId: string | null; productId: string; userId: string | null; limit: number },
    PendingRow
  >(`
    WITH targets(ref) AS (
      SELECT @sessionRef
      UNION SELECT session_ref FROM conversation_links WHERE conversation_id = @conversationId
      UNION SELECT u.session_ref FROM user_sessions u JOIN sessions o ON o.id = u.session_ref AND o.owner_id = u.user_id
            WHERE u.product_id = @productId AND u.user_id = @userId)
    SELECT g.id, g.session_ref AS sessionRef, s.product_id AS productId, s.session_key AS sessionId, g.text, g.source,
           g.evidence, g.created_at AS createdAt
    FROM targets t
    JOIN suggestions g INDEXED BY suggestions_delivered ON g.session_ref = t.ref AND g.status = 'pending' AND g.created_at >= @since
    JOIN sessions s ON s.id = g.session_ref
    ORDER BY g.created_at DESC, g.id DESC LIMIT @limit`);
  const countPending = db.prepare<[], number>("SELECT count(*) FROM suggestions INDEXED BY suggestions_pending WHERE status = 'pending'").pluck();
  const setFeedback = db.prepare<[string, number, number]>("UPDATE suggestions SET feedback = ?, feedback_at = ? WHERE id = ?");
  const insertDecision = db.prepare<Record<string, unknown>, { id: number }>(`
    INSERT INTO suggestion_decisions (session_ref, suggestion_id, outcome, reason, trigger, source, model_error, detail, rules, holdout, created_at)
    VALUES (@sessionRef, @suggestionId, @outcome, @reason, @trigger, @source, @modelError, @detail, @rules, @holdout, @createdAt)
    RETURNING id`);
  const recentDecisions = db.prepare<[number, number], DecisionRow>(
    `SELECT ${DECISION_COLUMNS} FROM suggestion_decisions WHERE session_ref = ? ORDER BY id DESC LIMIT ?`,
  );

  return {
    insert(s: NewSuggestion): number {
      return insert.get(suggestionColumns(s))!.id;
    },
    findById(id: number): StoredSuggestion | undefined {
      const r = byId.get(id);
      return r && fromRecord(r);
    },
    /** Newest first. */
    recent: (sessionRef: number, limit: number): StoredSuggestion[] => recent.all(sessionRef, limit).map(fromRecord),
    /** Of the session's newest `limit` suggestions, newest first: what an evaluation looks at. */
    recentSteps(sessionRef: number, limit: number): RecentSuggestion[] {
      return shownSteps.all(sessionRef, limit).map(([id, status, feedback, workflowId, stepId, signal]) => ({
        id, status: status as SuggestionStatus, feedback: feedback as FeedbackVerdict | null, workflowId, stepId, signal,
      }));
    },
    countDeliveredSince: (sessionRef: number, since: number): number => deliveredSince.get(sessionRef, since)!,
    /** Whether a suggestion with this normalised text was delivered to the session after `since`. */
    wasShownSince: (sessionRef: number, normText: string, since: number): boolean =>
      shownSince.get(sessionRef, normText, since)! > 0,
    setStatus(id: number, status: SuggestionStatus): void {
      setStatus.run(status, id);
    },
    /** A widget acknowledged it; false when it was not pending or expired (already delivered, retracted…). */
    markDelivered: (id: number, at: number): boolean => markDelivered.run(at, id).changes === 1,
    /** Marks up to `limit` pending suggestions created before `before` as expired; returns how many. */
    expirePending: (before: number, limit: number): number => expire.run(before, limit).changes,
    /** The newest `limit` pending suggestions since `since` for a widget's session, conversation and user; oldest first. */
    pendingFor: (q: { since: number; sessionRef: number; conversationId: string | null; productId: string; userId: string | null; limit: number }): PendingSuggestion[] =>
pendingFor.all(q).reverse().map(pendingOf),
    countPending: (): number => countPending.get()!,
    setFeedback(id: number, verdict: FeedbackVerdict, at: number): void {
      setFeedback.run(verdict, at, id);
    },
    insertDecision: (d: NewDecision): number =>
      insertDecision.get(decisionColumns(d))!.id,
    /** Newest first. */
    recentDecisions: (sessionRef: number, limit: number): StoredDecision[] => recentDecisions.all(sessionRef, limit).map(decisionOf),
  };
}

export type SuggestionRepository = ReturnType<typeof createSuggestionRepository>;

import type { FeedbackVerdict, SuggestionRepository, SuggestionStatus } from "../suggestion.repository.js";
import { decisionColumns, decisionOf, fromRecord, pendingOf, suggestionColumns, type DecisionRow, type PendingRow, type SuggestionRecord } from "../suggestion-rows.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";

const COLUMNS = `id, session_ref AS "sessionRef", text, norm_text AS "normText", source, model, signal,
  workflow_id AS "workflowId", step_id AS "stepId", latency_ms AS "latencyMs", prompt_tokens AS "promptTokens",
  completion_tokens AS "completionTokens", total_tokens AS "totalTokens", evidence, status,
  model_error AS "modelError", feedback, feedback_at AS "feedbackAt", created_at AS "createdAt", delivered_at AS "deliveredAt"`;

const DECISION_COLUMNS = `id, session_ref AS "sessionRef", suggestion_id AS "suggestionId", outcome, reason, trigger,
  source, model_error AS "modelError", detail, rules, holdout, created_at AS "createdAt"`;

/** What counts for the hourly cap and repeats (see SuggestionStatus). */
const SHOWN = "('pending', 'delivered', 'retracted', 'held_out')";

export function createPgSuggestionRepository(ex: Executor): AsyncOf<SuggestionRepository> {
  return {
    async insert(s) {
      const c = suggestionColumns(s);
      return (await ex.row<{ id: number }>(
        `INSERT INTO suggestions (session_ref, text, norm_text, source, model, signal, workflow_id, step_id, latency_ms,
                                  prompt_tokens, completion_tokens, total_tokens, evidence, status, model_error, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
        [c.sessionRef, c.text, c.normText, c.source, c.model, c.signal, c.workflowId, c.stepId, c.latencyMs,
          c.promptTokens, c.completionTokens, c.totalTokens, c.evidence, c.status, c.modelError, c.createdAt],
      ))!.id;
    },
    async findById(id) {
      const r = await ex.row<SuggestionRecord>(`SELECT ${COLUMNS} FROM suggestions WHERE id = $1`, [id]);
      return r && fromRecord(r);
    },
    recent: async (sessionRef, limit) =>
      (await ex.rows<SuggestionRecord>(`SELECT ${COLUMNS} FROM suggestions WHERE session_ref = $1 ORDER BY id DESC LIMIT $2`, [sessionRef, limit])).map(fromRecord),
    recentSteps: async (sessionRef, limit) =>
      (await ex.rows<{ id: number; status: SuggestionStatus; feedback: FeedbackVerdict | null; workflowId: string | null; stepId: string | null; signal: string | null }>(
        `SELECT id, status, feedback, workflow_id AS "workflowId", step_id AS "stepId", signal
         FROM suggestions WHERE session_ref = $1 ORDER BY id DESC LIMIT $2`,
        [sessionRef, limit],
      )).map(({ id, status, feedback, workflowId, stepId, signal }) => ({ id, status, feedback, workflowId, stepId, signal })),
    countDeliveredSince: async (sessionRef, since) =>
      (await ex.row<{ n: number }>(
        `SELECT count(*) AS n FROM suggestions WHERE session_ref = $1 AND status IN ${SHOWN} AND created_at > $2`,
        [sessionRef, since],
      ))!.n,
    wasShownSince: async (sessionRef, normText, since) =>
      (await ex.row<{ n: number }>(
        `SELECT count(*) AS n FROM suggestions WHERE session_ref = $1 AND norm_text = $2 AND status IN ${SHOWN} AND created_at > $3`,
        [sessionRef, normText, since],
      ))!.n > 0,
    async setStatus(id, status) {
      await ex.run("UPDATE suggestions SET status = $1 WHERE id = $2", [status, id]);
    },
    markDelivered: async (id, at) =>
      (await ex.run("UPDATE suggestions SET status = 'delivered', delivered_at = $1 WHERE id = $2 AND status IN ('pending', 'expired')", [at, id])) === 1,
    expirePending: (before, limit) =>
      ex.run(
        `UPDATE suggestions SET status = 'expired' WHERE id IN (
           SELECT id FROM suggestions WHERE status = 'pending' AND created_at < $1 ORDER BY created_at LIMIT $2)`,
        [before, limit],
      ),
    pendingFor: async (q) =>
      (await ex.rows<PendingRow>(
        `WITH targets(ref) AS (
           SELECT $1::bigint
           UNION SELECT session_ref FROM conversation_links WHERE conversation_id = $2::text
           UNION SELECT u.session_ref FROM user_sessions u JOIN sessions o ON o.id = u.session_ref AND o.owner_id = u.user_id
                 WHERE u.product_id = $3 AND u.user_id = $4::text)
         SELECT g.id, g.session_ref AS "sessionRef", s.product_id AS "productId", s.session_key AS "sessionId", g.text, g.source,
                g.evidence, g.created_at AS "createdAt"
         FROM targets t
         JOIN suggestions g ON g.session_ref = t.ref AND g.status = 'pending' AND g.created_at >= $5
         JOIN sessions s ON s.id = g.session_ref
         ORDER BY g.created_at DESC, g.id DESC LIMIT $6`,
        [q.sessionRef, q.conversationId, q.productId, q.userId, q.since, q.limit],
      ))
        .reverse()
        .map(pendingOf),
    countPending: async () => (await ex.row<{ n: number }>("SELECT count(*) AS n FROM suggestions WHERE status = 'pending'"))!.n,
    async setFeedback(id, verdict, at) {
      await ex.run("UPDATE suggestions SET feedback = $1, feedback_at = $2 WHERE id = $3", [verdict, at, id]);
    },
    async insertDecision(d) {
      const c = decisionColumns(d);
      return (await ex.row<{ id: number }>(
        `INSERT INTO suggestion_decisions (session_ref, suggestion_id, outcome, reason, trigger, source, model_error, detail, rules, holdout, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
        [c.sessionRef, c.suggestionId, c.outcome, c.reason, c.trigger, c.source, c.modelError, c.detail, c.rules, c.holdout, c.createdAt],
      ))!.id;
    },
    recentDecisions: async (sessionRef, limit) =>
      (await ex.rows<DecisionRow>(`SELECT ${DECISION_COLUMNS} FROM suggestion_decisions WHERE session_ref = $1 ORDER BY id DESC LIMIT $2`, [sessionRef, limit])).map(decisionOf),
  };
}

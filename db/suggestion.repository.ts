import type { Db } from "./connection.js";

export type SuggestionSource = "llm" | "rules";
/**
 * `retracted` suggestions were shown too (then withdrawn): they count for the hourly cap and repeats. So do
 * `held_out` ones (the holdout's: decided, never shown), so the holdout's timing mirrors what was shown.
 */
export type SuggestionStatus = "delivered" | "skipped" | "superseded" | "publish_failed" | "retracted" | "held_out";
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
}

export type NewSuggestion = Omit<StoredSuggestion, "id" | "feedback" | "feedbackAt">;

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

interface SuggestionRecord extends Omit<StoredSuggestion, "usage" | "evidence"> {
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  evidence: string;
}

const COLUMNS = `id, session_ref AS sessionRef, text, norm_text AS normText, source, model, signal,
  workflow_id AS workflowId, step_id AS stepId, latency_ms AS latencyMs, prompt_tokens AS promptTokens,
  completion_tokens AS completionTokens, total_tokens AS totalTokens, evidence, status,
  model_error AS modelError, feedback, feedback_at AS feedbackAt, created_at AS createdAt`;

const DECISION_COLUMNS = `id, session_ref AS sessionRef, suggestion_id AS suggestionId, outcome, reason, trigger,
  source, model_error AS modelError, detail, rules, holdout, created_at AS createdAt`;

type DecisionRow = Omit<StoredDecision, "rules" | "holdout"> & { rules: string | null; holdout: number };
const decisionOf = ({ rules, holdout, ...d }: DecisionRow): StoredDecision => ({
  ...d,
  rules: rules ? (JSON.parse(rules) as StoredDecision["rules"]) : [],
  holdout: holdout === 1,
});

function fromRecord(r: SuggestionRecord): StoredSuggestion {
  const { promptTokens, completionTokens, totalTokens, evidence, ...rest } = r;
  return {
    ...rest,
    usage: totalTokens === null ? null : { promptTokens: promptTokens ?? 0, completionTokens: completionTokens ?? 0, totalTokens },
    evidence: JSON.parse(evidence) as SuggestionEvidence,
  };
}

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
  const deliveredSince = db
    .prepare<[number, number], number>(
      "SELECT count(*) FROM suggestions WHERE session_ref = ? AND status IN ('delivered', 'retracted', 'held_out') AND created_at > ?",
    )
    .pluck();
  const shownSince = db
    .prepare<[number, string, number], number>(
      "SELECT count(*) FROM suggestions WHERE session_ref = ? AND norm_text = ? AND status IN ('delivered', 'retracted', 'held_out') AND created_at > ?",
    )
    .pluck();
  const setStatus = db.prepare<[string, number]>("UPDATE suggestions SET status = ? WHERE id = ?");
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
      const { usage, evidence, ...columns } = s;
      return insert.get({
        ...columns,
        promptTokens: usage?.promptTokens ?? null,
        completionTokens: usage?.completionTokens ?? null,
        totalTokens: usage?.totalTokens ?? null,
        evidence: JSON.stringify(evidence),
      })!.id;
    },
    findById(id: number): StoredSuggestion | undefined {
      const r = byId.get(id);
      return r && fromRecord(r);
    },
    /** Newest first. */
    recent: (sessionRef: number, limit: number): StoredSuggestion[] => recent.all(sessionRef, limit).map(fromRecord),
    countDeliveredSince: (sessionRef: number, since: number): number => deliveredSince.get(sessionRef, since)!,
    /** Whether a suggestion with this normalised text was delivered to the session after `since`. */
    wasShownSince: (sessionRef: number, normText: string, since: number): boolean =>
      shownSince.get(sessionRef, normText, since)! > 0,
    setStatus(id: number, status: SuggestionStatus): void {
      setStatus.run(status, id);
    },
    setFeedback(id: number, verdict: FeedbackVerdict, at: number): void {
      setFeedback.run(verdict, at, id);
    },
    insertDecision: (d: NewDecision): number =>
      insertDecision.get({ ...d, rules: d.rules?.length ? JSON.stringify(d.rules) : null, holdout: d.holdout ? 1 : 0 })!.id,
    /** Newest first. */
    recentDecisions: (sessionRef: number, limit: number): StoredDecision[] => recentDecisions.all(sessionRef, limit).map(decisionOf),
  };
}

export type SuggestionRepository = ReturnType<typeof createSuggestionRepository>;

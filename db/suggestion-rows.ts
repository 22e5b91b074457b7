/**
 * Suggestion and decision rows as both adapters store them (token usage in three columns, evidence and rules
 * as JSON text, holdout as 0/1) and back: one mapping for SQLite and PostgreSQL; only their SQL differs.
 */
import type { NewDecision, NewSuggestion, PendingSuggestion, StoredDecision, StoredSuggestion, SuggestionEvidence } from "./suggestion.repository.js";

/** A `suggestions` row as selected by the adapters' column lists. */
export interface SuggestionRecord extends Omit<StoredSuggestion, "usage" | "evidence"> {
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  evidence: string;
}

export type DecisionRow = Omit<StoredDecision, "rules" | "holdout"> & { rules: string | null; holdout: number };

export type PendingRow = PendingSuggestion & { evidence: string };

export const decisionOf = ({ rules, holdout, ...d }: DecisionRow): StoredDecision => ({
  ...d,
  rules: rules ? (JSON.parse(rules) as StoredDecision["rules"]) : [],
  holdout: holdout === 1,
});

export function fromRecord(r: SuggestionRecord): StoredSuggestion {
  const { promptTokens, completionTokens, totalTokens, evidence, ...rest } = r;
  return {
    ...rest,
    usage: totalTokens === null ? null : { promptTokens: promptTokens ?? 0, completionTokens: completionTokens ?? 0, totalTokens },
    evidence: JSON.parse(evidence) as SuggestionEvidence,
  };
}

export const pendingOf = (r: PendingRow): PendingSuggestion => ({ ...r, evidence: JSON.parse(r.evidence) as SuggestionEvidence });

/** The columns of a new suggestion (no id, feedback or delivery yet). */
export function suggestionColumns(s: NewSuggestion): Omit<SuggestionRecord, "id" | "feedback" | "feedbackAt" | "deliveredAt"> {
  const { usage, evidence, ...columns } = s;
  return {
    ...columns,
    promptTokens: usage?.promptTokens ?? null,
    completionTokens: usage?.completionTokens ?? null,
    totalTokens: usage?.totalTokens ?? null,
    evidence: JSON.stringify(evidence),
  };
}

/** The columns of a new decision: no rules stored as NULL. */
export const decisionColumns = (d: NewDecision): Omit<DecisionRow, "id"> => ({
  ...d,
  rules: d.rules?.length ? JSON.stringify(d.rules) : null,
  holdout: d.holdout ? 1 : 0,
});

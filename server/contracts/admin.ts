/**
 * What the admin JSON endpoints answer (`GET /v1/admin/sessions`, `/suggestions`, `/stats`). Shared with the
 * admin page (client/admin), which imports it with `import type` only. Times are ISO 8601 strings; `now` is
 * the server's clock, so ages shown in the page do not depend on the browser's.
 */

/** What became of a delivered suggestion: feedback, no feedback within GATE_INTERACTION_TIMEOUT_MS, or not yet. */
export type SuggestionOutcome = "accepted" | "dismissed" | "ignored" | "pending";

export interface AdminCurrentPage {
  /** The last action's canonical URL, title and type. */
  url: string;
  title: string;
  type: string;
  at: string;
}

export interface AdminSession {
  session_id: string;
  /** The user the source named (a label; capture's and anonymous PostHog ids are unverified). */
  user_id: string | null;
  /** The verified user the session belongs to (PROTOCOL.md §3.3), or null while anonymous. */
  owner_id: string | null;
  goal: string | null;
  goal_source: string | null;
  first_seen_at: string;
  last_seen_at: string;
  action_count: number;
  current_page: AdminCurrentPage | null;
  /** `toText()` of the session's context window, exactly what prompts see (before redaction). */
  text: string;
  /** The rolling summary of older actions, when there is one. */
  summary: string | null;
  conversation_id: string | null;
}

export interface AdminSessionsResponse {
  product_id: string;
  now: string;
  active_within_ms: number;
  sessions: AdminSession[];
}

export interface AdminSuggestion {
  id: number;
  session_id: string;
  conversation_id: string | null;
  text: string;
  source: string;
  model: string;
  signal: string | null;
  workflow_id: string | null;
  step_id: string | null;
  /**
   * pending (no widget received it yet) | delivered (a widget acknowledged it) | expired (none did within
   * SUGGESTION_TTL_S) | retracted | skipped | superseded | publish_failed
   */
  status: string;
  /** When a widget acknowledged it; null when none has (or it predates acknowledgements). */
  delivered_at: string | null;
  /** Reason code of the decision that stored it: null when delivered. */
  reason: string | null;
  trigger: string | null;
  model_error: string | null;
  latency_ms: number;
  /** Null for a suggestion that was never shown (status other than delivered). */
  outcome: SuggestionOutcome | null;
  feedback_at: string | null;
  created_at: string;
}

export interface AdminSkip {
  id: number;
  session_id: string;
  reason: string | null;
  trigger: string;
  source: string | null;
  model_error: string | null;
  detail: string | null;
  suggestion_id: number | null;
  suggestion_text: string | null;
  created_at: string;
}

export interface AdminSuggestionsResponse {
  product_id: string;
  now: string;
  interaction_timeout_ms: number;
  suggestions: AdminSuggestion[];
  skips: AdminSkip[];
}

export interface AdminStatsBucket {
  start: string;
  /** Actions stored (by received_at). */
  actions: number;
  /** Suggestions delivered (by created_at). */
  delivered: number;
  /** Feedback given in the bucket (by feedback_at). */
  accepted: number;
  dismissed: number;
  /** Delivered suggestions whose interaction timeout ran out without feedback in the bucket. */
  ignored: number;
  /** accepted / (accepted + dismissed + ignored), or null when none of them happened. */
  acceptance_rate: number | null;
}

export interface AdminStatsResponse {
  product_id: string;
  now: string;
  from: string;
  to: string;
  minutes: number;
  bucket_s: number;
  buckets: AdminStatsBucket[];
  totals: {
    actions: number;
    delivered: number;
    accepted: number;
    dismissed: number;
    ignored: number;
    /** Delivered in the window, no feedback yet, still within the interaction timeout. */
    pending: number;
    acceptance_rate: number | null;
    /**
     * Suggestions created in the window by delivery state (PROTOCOL.md §3.3): acknowledged by a widget, still
     * waiting for a widget of their session or user, or expired (none came within SUGGESTION_TTL_S).
     */
    delivery: { delivered: number; pending: number; expired: number };
  };
  /** Skipped decisions in the window by reason code, most frequent first. */
  skips_by_reason: { reason: string; count: number }[];
}

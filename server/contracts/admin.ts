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
   * SUGGESTION_TTL_S) | retracted | skipped | superseded | publish_failed | held_out (the holdout's: stored,
   * never shown)
   */
  status: string;
  /** When a widget acknowledged it; null when none has (or it predates acknowledgements). */
  delivered_at: string | null;
  /** Reason code of the decision that stored it: null when delivered. */
  reason: string | null;
  trigger: string | null;
  model_error: string | null;
  /** The rules that applied to the decision that stored it. */
  rules: AdminRuleNote[];
  latency_ms: number;
  /** Null for a suggestion that was never shown (status other than delivered). */
  outcome: SuggestionOutcome | null;
  feedback_at: string | null;
  created_at: string;
}

/** A memory, trigger or precision rule that applied to a decision (issue 14). */
export interface AdminRuleNote {
  code: string;
  detail: string;
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
  rules: AdminRuleNote[];
  holdout: boolean;
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

/** `GET /v1/admin/users/:userId/memory`: Autoplay's sketched knowledge state, plus per-workflow detail. */
export interface AdminUserMemoryResponse {
  user_id: string;
  knowledge_state: {
    mastered: string[];
    in_progress: Record<string, { attempts: number; last_issue: string | null; best_completion_pct: number }>;
    untouched: string[];
  };
  /** Mean, over the product's workflows, of the best completion reached (untouched: 0). */
  overall_completion_pct: number;
  product_id: string;
  now: string;
  mastery_rule: { completions: number; clean_completions: number; description: string };
  quick_learner: boolean;
  last_seen_at: string | null;
  workflows: {
    workflow_id: string;
    name: string;
    status: "mastered" | "in_progress" | "untouched";
    attempts: number;
    completions: number;
    clean_completions: number;
    abandoned: number;
    best_completion_pct: number;
    mastered_after_attempts: number | null;
    mastered_at: string | null;
    last_issue: string | null;
    last_issue_code: string | null;
    failures_since_completion: number;
    last_attempt_at: string | null;
  }[];
}

export interface AdminAttempt {
  id: number;
  outcome: "in_progress" | "completed" | "abandoned";
  started_at: string;
  updated_at: string;
  ended_at: string | null;
  completion_pct: number;
  matched_steps: { step_id: string; action_id: number; matched_at: string; out_of_order: boolean }[];
  missed_steps: string[];
  out_of_order_steps: string[];
  remaining_steps: string[];
  struggle: { failed_submits: number; rage_clicks: number; dwells: number; longest_dwell_ms: number };
  last_issue: string | null;
  last_issue_code: string | null;
}

/** `GET /v1/admin/sessions/:id/analysis`: the session's task analysis, per workflow. */
export interface AdminSessionAnalysisResponse {
  product_id: string;
  session_id: string;
  now: string;
  scope: { kind: "user" | "session"; id: string };
  /** The session's holdout assignment, null before its first evaluation. */
  holdout: boolean | null;
  tasks: { workflow_id: string; name: string; expected_steps: string[]; attempts: AdminAttempt[] }[];
  untouched: string[];
}

export interface AdminCompletionGroup {
  /** (session, workflow) pairs with an attempt started in the range that have settled. */
  units: number;
  completed: number;
  rate: number | null;
  /** Pairs still in progress, left out of the rate. */
  in_progress: number;
}

export interface AdminTriggerLift {
  trigger: string;
  shown: number;
  with_step: number;
  followed: number;
  /** followed ÷ with_step */
  follow_through: number | null;
  accepted: number;
  dismissed: number;
  /** dismissed ÷ shown */
  dismiss_rate: number | null;
  held_out: number;
  held_out_with_step: number;
  /** In the holdout, the suggested step happened anyway within the window: the baseline for follow-through. */
  held_out_followed: number;
  natural_follow_rate: number | null;
}

/** `GET /v1/admin/stats/lift` */
export interface AdminLiftResponse {
  product_id: string;
  now: string;
  from: string;
  to: string;
  days: number;
  holdout: { pct: number; unit: "user" | "session" };
  follow_window_ms: number;
  completion: {
    with_suggestions: AdminCompletionGroup;
    without_suggestions: AdminCompletionGroup;
    /** with − without, as a proportion (0.12 = 12 points). */
    difference: number | null;
    ci95: { low: number; high: number } | null;
    method: string;
    /** The interval excludes 0. */
    significant: boolean | null;
  };
  triggers: AdminTriggerLift[];
}

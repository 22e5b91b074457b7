/**
 * What became of a suggestion, as the admin page reports it. Feedback wins whenever it came; without it, a
 * delivered suggestion is `pending` during the engine's interaction window (GATE_INTERACTION_TIMEOUT_MS, the
 * time the gates wait for the user to engage) and `ignored` after it.
 */
import type { FeedbackVerdict, SuggestionStatus } from "../../db/suggestion.repository.js";
import type { SuggestionOutcome } from "../contracts/admin.js";

export interface OutcomeInput {
  status: SuggestionStatus;
  feedback: FeedbackVerdict | null;
  createdAt: number;
}

/** Null for a suggestion that was never shown. */
export function suggestionOutcome(s: OutcomeInput, now: number, interactionTimeoutMs: number): SuggestionOutcome | null {
  if (s.status !== "delivered") return null;
  if (s.feedback) return s.feedback;
  return now - s.createdAt >= interactionTimeoutMs ? "ignored" : "pending";
}

/** accepted / (accepted + dismissed + ignored): the share of judged-or-expired suggestions that were taken up. */
export function acceptanceRate(c: { accepted: number; dismissed: number; ignored: number }): number | null {
  const settled = c.accepted + c.dismissed + c.ignored;
  return settled === 0 ? null : c.accepted / settled;
}

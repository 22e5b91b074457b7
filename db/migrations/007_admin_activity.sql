-- The admin page reads suggestions across sessions by time (GET /v1/admin/stats, /v1/admin/suggestions).
-- Feedback arrives at any age, so "accepted/dismissed per minute" needs its own index; partial, so it costs
-- nothing until a suggestion is judged. Creation times need none: suggestion ids grow with created_at.
CREATE INDEX suggestions_feedback ON suggestions (feedback_at) WHERE feedback_at IS NOT NULL;

-- A suggestion's decision (its reason code), looked up from the suggestion. It also serves the foreign key
-- (ON DELETE SET NULL), which otherwise scans every decision for each suggestion retention deletes.
CREATE INDEX suggestion_decisions_suggestion ON suggestion_decisions (suggestion_id);

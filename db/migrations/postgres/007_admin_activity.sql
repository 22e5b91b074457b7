-- PostgreSQL twin of ../007_admin_activity.sql.
CREATE INDEX suggestions_feedback ON suggestions (feedback_at) WHERE feedback_at IS NOT NULL;
CREATE INDEX suggestion_decisions_suggestion ON suggestion_decisions (suggestion_id);

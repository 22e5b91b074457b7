-- PostgreSQL twin of ../006_conversation_retention.sql.
CREATE INDEX conversations_activity ON conversations ((COALESCE(last_message_at, created_at)));

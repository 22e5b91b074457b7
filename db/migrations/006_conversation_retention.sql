-- Retention purges conversations whose last activity is older than RETENTION_DAYS; this index lets each
-- small batch find the oldest ones without scanning the table.
CREATE INDEX conversations_activity ON conversations (COALESCE(last_message_at, created_at));

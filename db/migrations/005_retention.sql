-- Retention purges sessions not seen for RETENTION_DAYS; this index lets each small batch find the oldest
-- sessions without scanning the table.
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);

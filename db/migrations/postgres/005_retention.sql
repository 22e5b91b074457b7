-- PostgreSQL twin of ../005_retention.sql.
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);

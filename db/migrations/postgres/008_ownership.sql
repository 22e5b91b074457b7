-- PostgreSQL twin of ../008_ownership.sql: the schema part. The SQLite migration also moved data written by
-- releases before ownership existed; a PostgreSQL database has only ever been written by releases that know
-- owners (server mode is newer), so there is nothing to move and nothing to lock.
ALTER TABLE sessions ADD COLUMN owner_id TEXT;
ALTER TABLE suggestions ADD COLUMN delivered_at BIGINT;

CREATE INDEX suggestions_pending ON suggestions (created_at) WHERE status = 'pending';
CREATE INDEX messages_suggestion ON messages (suggestion_id) WHERE suggestion_id IS NOT NULL;

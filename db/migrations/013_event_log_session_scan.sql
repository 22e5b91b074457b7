-- The outbound log's per-session index cost every ingest a write to a page of its own (one per session in
-- the commit) to serve one rare query: a stream replay filtered by ?session_id=. That replay now walks the
-- product's log by id range instead (db/event-log.repository.ts), a bounded window per step.
DROP INDEX event_log_session;

-- The outbound event log (PROTOCOL.md §3.1): one row per ingested event that stored something, appended in the
-- same transaction as its actions or summary. `id` is the SSE event id. AUTOINCREMENT (not a plain rowid) so an
-- id is never handed out twice, even after retention has deleted the newest rows' predecessors: a resuming
-- client must never see an id it already holds attached to a different event.

CREATE TABLE event_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  product_id  TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  session_key TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('actions', 'summary')),
  data        TEXT NOT NULL, -- the event JSON exactly as the stream sends it
  created_at  INTEGER NOT NULL
) STRICT;
-- Replay of a product's stream after a Last-Event-ID, and the same with ?session_id=.
CREATE INDEX event_log_product ON event_log (product_id, id);
CREATE INDEX event_log_session ON event_log (product_id, session_key, id);

-- Products, sessions, their actions and summaries: the foundation every later table hangs off.
-- Times are wall-clock milliseconds (INTEGER); action timestamps keep the source's float Unix seconds.

CREATE TABLE products (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  push_secret     TEXT NOT NULL,
  stream_token    TEXT NOT NULL,
  product_key     TEXT NOT NULL UNIQUE,
  identity_secret TEXT,
  posthog_secret  TEXT NOT NULL,
  allowed_origins TEXT NOT NULL DEFAULT '[]', -- JSON array of origins
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;

-- Instance-wide values that are generated once and must survive restarts (e.g. the admin token).
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- A session as the source names it (session_key), scoped by product. Later tables reference `id`.
CREATE TABLE sessions (
  id            INTEGER PRIMARY KEY,
  product_id    TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  session_key   TEXT NOT NULL,
  user_id       TEXT,
  email         TEXT,
  goal          TEXT,
  goal_source   TEXT,
  action_count  INTEGER NOT NULL DEFAULT 0,
  first_seen_at INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL,
  UNIQUE (product_id, session_key)
) STRICT;
CREATE INDEX sessions_user ON sessions (product_id, user_id, last_seen_at) WHERE user_id IS NOT NULL;

-- Append-only. dedupe_key is a 64-bit hash of the action's identity (PROTOCOL.md §1), unique per session, so a
-- re-delivered batch is stored once. Ids grow with arrival time, so retention can purge by id range.
CREATE TABLE actions (
  id              INTEGER PRIMARY KEY,
  session_ref     INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  dedupe_key      INTEGER NOT NULL,
  batch_index     INTEGER NOT NULL,
  type            TEXT NOT NULL,
  title           TEXT NOT NULL,
  description     TEXT NOT NULL,
  canonical_url   TEXT NOT NULL,
  raw_url         TEXT,
  timestamp_start REAL NOT NULL,
  timestamp_end   REAL NOT NULL,
  user_id         TEXT,
  email           TEXT,
  conversation_id TEXT,
  source          TEXT NOT NULL,
  received_at     INTEGER NOT NULL,
  UNIQUE (session_ref, dedupe_key)
) STRICT;
CREATE INDEX actions_session ON actions (session_ref, id);

-- Every summary a session received or produced; the newest is the current one. covers_through_action_id
-- marks the last action the summary folds in: actions up to it leave the context window.
CREATE TABLE summaries (
  id                       INTEGER PRIMARY KEY,
  session_ref              INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  dedupe_key               INTEGER NOT NULL,
  text                     TEXT NOT NULL,
  replaces                 INTEGER NOT NULL,
  covers_through_action_id INTEGER NOT NULL,
  source                   TEXT NOT NULL,
  forwarded_at             REAL,
  created_at               INTEGER NOT NULL,
  UNIQUE (session_ref, dedupe_key)
) STRICT;
CREATE INDEX summaries_session ON summaries (session_ref, id);

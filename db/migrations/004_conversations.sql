-- Conversations (chat threads), the sessions linked to them, their messages, and the verified-user → sessions index.

CREATE TABLE conversations (
  id              TEXT PRIMARY KEY,               -- random, unguessable; also needs its signed token to resume
  product_id      TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  user_id         TEXT,                           -- verified user id, when the thread belongs to one
  last_seq        INTEGER NOT NULL DEFAULT 0,     -- seq of the newest message; the next one gets last_seq + 1
  created_at      INTEGER NOT NULL,
  last_message_at INTEGER
) STRICT;
CREATE INDEX conversations_user ON conversations (product_id, user_id, last_message_at) WHERE user_id IS NOT NULL;

-- A session is linked to at most one conversation, for good; many sessions may share one.
CREATE TABLE conversation_links (
  session_ref     INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  kind            TEXT NOT NULL CHECK (kind IN ('new', 'resumed')),
  linked_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX conversation_links_conversation ON conversation_links (conversation_id, linked_at);

-- Message ids are random strings chosen by the server when the message starts, so a streamed reply's
-- message:delta frames and its final message:created share one id.
CREATE TABLE messages (
  id                TEXT PRIMARY KEY,
  conversation_id   TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  seq               INTEGER NOT NULL,
  role              TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'suggestion')),
  text              TEXT NOT NULL,
  session_ref       INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
  client_message_id TEXT,
  suggestion_id     INTEGER,
  created_at        INTEGER NOT NULL,
  UNIQUE (conversation_id, seq),
  UNIQUE (conversation_id, client_message_id)
) STRICT;

-- Verified users' recent sessions, for cross-session context and cross-device resume.
CREATE TABLE user_sessions (
  product_id   TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  user_id      TEXT NOT NULL,
  session_ref  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  last_seen_at INTEGER NOT NULL,
  PRIMARY KEY (product_id, user_id, session_ref)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_sessions_recent ON user_sessions (product_id, user_id, last_seen_at);

-- PostgreSQL twin of ../004_conversations.sql.

CREATE TABLE conversations (
  id              TEXT PRIMARY KEY,
  product_id      TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  user_id         TEXT,
  last_seq        BIGINT NOT NULL DEFAULT 0,
  created_at      BIGINT NOT NULL,
  last_message_at BIGINT
);
CREATE INDEX conversations_user ON conversations (product_id, user_id, last_message_at) WHERE user_id IS NOT NULL;

-- The primary key makes linking race-free across instances: INSERT … ON CONFLICT (session_ref) DO NOTHING.
CREATE TABLE conversation_links (
  session_ref     BIGINT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  kind            TEXT NOT NULL CHECK (kind IN ('new', 'resumed')),
  linked_at       BIGINT NOT NULL
);
CREATE INDEX conversation_links_conversation ON conversation_links (conversation_id, linked_at);

CREATE TABLE messages (
  id                TEXT PRIMARY KEY,
  conversation_id   TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  seq               BIGINT NOT NULL,
  role              TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'suggestion')),
  text              TEXT NOT NULL,
  session_ref       BIGINT REFERENCES sessions(id) ON DELETE SET NULL,
  client_message_id TEXT,
  suggestion_id     BIGINT,
  created_at        BIGINT NOT NULL,
  UNIQUE (conversation_id, seq),
  UNIQUE (conversation_id, client_message_id)
);

CREATE TABLE user_sessions (
  product_id   TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  user_id      TEXT NOT NULL,
  session_ref  BIGINT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  last_seen_at BIGINT NOT NULL,
  PRIMARY KEY (product_id, user_id, session_ref)
);
CREATE INDEX user_sessions_recent ON user_sessions (product_id, user_id, last_seen_at);

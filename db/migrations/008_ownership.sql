-- Ownership (PROTOCOL.md §3.3) and honest suggestion delivery.
--
-- sessions.owner_id: the verified user the session belongs to — set by a verified widget handshake, by
-- capture with a valid userHash, or by a trusted server-side source (push webhook, connector stream, an
-- identified PostHog person) — and never rewritten. sessions.user_id stays what the source claimed (a label
-- for the admin views, never used for access). conversations.user_id already held only verified users;
-- it is the conversation's owner.
--
-- Existing data moves forward with owners only where it proves one: a user_sessions entry (written only by
-- verified handshakes), a user_id on actions from the push webhook or the connector stream, or the owner of
-- a linked conversation. Capture and PostHog user ids in old data cannot be told from unverified claims, so
-- they give no owner. Where the old code let two users into one session (or one thread), the row is locked:
-- owner '' — an id no verified user or trusted source can have — so no socket can enter it and its users
-- start afresh.

ALTER TABLE sessions ADD COLUMN owner_id TEXT;
ALTER TABLE suggestions ADD COLUMN delivered_at INTEGER;

-- Pending suggestions: looked up when a widget connects, and expired by a sweep, both by age.
CREATE INDEX suggestions_pending ON suggestions (created_at) WHERE status = 'pending';
-- A suggestion's message (is it in the thread yet? feedback checks its conversation): no scan of messages.
CREATE INDEX messages_suggestion ON messages (suggestion_id) WHERE suggestion_id IS NOT NULL;

CREATE TEMP TABLE owner_evidence (session_ref INTEGER NOT NULL, user_id TEXT NOT NULL);
INSERT INTO owner_evidence SELECT session_ref, user_id FROM user_sessions;
INSERT INTO owner_evidence
  SELECT DISTINCT session_ref, user_id FROM actions WHERE source IN ('push', 'connector') AND user_id IS NOT NULL AND user_id <> '';
INSERT INTO owner_evidence
  SELECT l.session_ref, c.user_id FROM conversation_links l JOIN conversations c ON c.id = l.conversation_id WHERE c.user_id IS NOT NULL;

UPDATE sessions SET owner_id = (
  SELECT CASE WHEN count(DISTINCT e.user_id) = 1 THEN min(e.user_id) ELSE '' END
  FROM owner_evidence e WHERE e.session_ref = sessions.id
) WHERE id IN (SELECT session_ref FROM owner_evidence);

-- A thread stored without a user (a verified user's thread started by a suggestion) belongs to the owner
-- of the sessions linked to it; to nobody who can enter it when they disagree.
UPDATE conversations SET user_id = (
  SELECT CASE WHEN count(DISTINCT s.owner_id) = 1 THEN min(s.owner_id) ELSE '' END
  FROM conversation_links l JOIN sessions s ON s.id = l.session_ref
  WHERE l.conversation_id = conversations.id AND s.owner_id IS NOT NULL
) WHERE user_id IS NULL AND EXISTS (
  SELECT 1 FROM conversation_links l JOIN sessions s ON s.id = l.session_ref
  WHERE l.conversation_id = conversations.id AND s.owner_id IS NOT NULL
);

-- The user → sessions index holds a user's own sessions only: foreign entries go, trusted ones join.
DELETE FROM user_sessions WHERE NOT EXISTS (
  SELECT 1 FROM sessions s WHERE s.id = user_sessions.session_ref AND s.owner_id = user_sessions.user_id
);
INSERT OR IGNORE INTO user_sessions (product_id, user_id, session_ref, last_seen_at)
  SELECT product_id, owner_id, id, last_seen_at FROM sessions WHERE owner_id IS NOT NULL AND owner_id <> '';

-- An owned session shows its owner.
UPDATE sessions SET user_id = owner_id WHERE owner_id IS NOT NULL AND owner_id <> '';

DROP TABLE owner_evidence;

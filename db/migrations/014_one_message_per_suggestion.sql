-- A suggestion enters its conversation once: a widget connecting (showing pending suggestions) and the engine
-- delivering the same suggestion at that moment both checked for its message, found none and each added one.
-- The index makes the second insert fail, and delivery then uses the message already there
-- (server/chat/suggestion-delivery.ts). Duplicates an earlier release stored are removed first, keeping the
-- first one shown (lowest seq) of each suggestion.
DELETE FROM messages
WHERE suggestion_id IS NOT NULL
  AND EXISTS (
    SELECT 1 FROM messages earlier
    WHERE earlier.suggestion_id = messages.suggestion_id
      AND (earlier.seq < messages.seq OR (earlier.seq = messages.seq AND earlier.id < messages.id))
  );
DROP INDEX messages_suggestion;
CREATE UNIQUE INDEX messages_suggestion ON messages (suggestion_id) WHERE suggestion_id IS NOT NULL;

-- PostgreSQL twin of ../014_one_message_per_suggestion.sql.
DELETE FROM messages
WHERE suggestion_id IS NOT NULL
  AND EXISTS (
    SELECT 1 FROM messages earlier
    WHERE earlier.suggestion_id = messages.suggestion_id
      AND (earlier.seq < messages.seq OR (earlier.seq = messages.seq AND earlier.id < messages.id))
  );
DROP INDEX messages_suggestion;
CREATE UNIQUE INDEX messages_suggestion ON messages (suggestion_id) WHERE suggestion_id IS NOT NULL;

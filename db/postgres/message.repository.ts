import type { Message, MessageRepository } from "../message.repository.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";

const COLUMNS = `id, conversation_id AS "conversationId", seq, role, text, session_ref AS "sessionRef",
  client_message_id AS "clientMessageId", suggestion_id AS "suggestionId", created_at AS "createdAt"`;

export function createPgMessageRepository(ex: Executor): AsyncOf<MessageRepository> {
  return {
    async insert(m) {
      await ex.run(
        `INSERT INTO messages (id, conversation_id, seq, role, text, session_ref, client_message_id, suggestion_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [m.id, m.conversationId, m.seq, m.role, m.text, m.sessionRef, m.clientMessageId, m.suggestionId, m.createdAt],
      );
      return m;
    },
    byClientId: (conversationId, clientMessageId) =>
      ex.row<Message>(`SELECT ${COLUMNS} FROM messages WHERE conversation_id = $1 AND client_message_id = $2`, [conversationId, clientMessageId]),
    after: (conversationId, afterSeq, limit) =>
      ex.rows<Message>(`SELECT ${COLUMNS} FROM messages WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [conversationId, afterSeq, limit]),
    recent: (conversationId, limit) =>
      ex.rows<Message>(
        `SELECT * FROM (SELECT ${COLUMNS} FROM messages WHERE conversation_id = $1 ORDER BY seq DESC LIMIT $2) t ORDER BY seq`,
        [conversationId, limit],
      ),
    lastUserBefore: (conversationId, beforeSeq) =>
      ex.row<Message>(
        `SELECT ${COLUMNS} FROM messages WHERE conversation_id = $1 AND role = 'user' AND seq < $2 ORDER BY seq DESC LIMIT 1`,
        [conversationId, beforeSeq],
      ),
    bySuggestion: (suggestionId) => ex.row<Message>(`SELECT ${COLUMNS} FROM messages WHERE suggestion_id = $1`, [suggestionId]),
  };
}

import type { Db } from "./connection.js";

export type MessageRole = "user" | "assistant" | "suggestion";

export interface Message {
  id: string;
  conversationId: string;
  seq: number;
  role: MessageRole;
  text: string;
  sessionRef: number | null;
  clientMessageId: string | null;
  suggestionId: number | null;
  createdAt: number;
}

export type NewMessage = Message;

const COLUMNS = `id, conversation_id AS conversationId, seq, role, text, session_ref AS sessionRef,
  client_message_id AS clientMessageId, suggestion_id AS suggestionId, created_at AS createdAt`;

export function createMessageRepository(db: Db) {
  const insert = db.prepare<NewMessage>(`
    INSERT INTO messages (id, conversation_id, seq, role, text, session_ref, client_message_id, suggestion_id, created_at)
    VALUES (@id, @conversationId, @seq, @role, @text, @sessionRef, @clientMessageId, @suggestionId, @createdAt)`);
  const byClientId = db.prepare<[string, string], Message>(
    `SELECT ${COLUMNS} FROM messages WHERE conversation_id = ? AND client_message_id = ?`,
  );
  const after = db.prepare<[string, number, number], Message>(
    `SELECT ${COLUMNS} FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
  );
  const recent = db.prepare<[string, number], Message>(
    `SELECT * FROM (SELECT ${COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
  );
  const lastUserBefore = db.prepare<[string, number], Message>(
    `SELECT ${COLUMNS} FROM messages WHERE conversation_id = ? AND role = 'user' AND seq < ? ORDER BY seq DESC LIMIT 1`,
  );
  const bySuggestion = db.prepare<[number], Message>(`SELECT ${COLUMNS} FROM messages WHERE suggestion_id = ?`);

  return {
    insert(m: NewMessage): Message {
      insert.run(m);
      return m;
    },
    byClientId: (conversationId: string, clientMessageId: string): Message | undefined =>
      byClientId.get(conversationId, clientMessageId),
    /** Messages with seq > afterSeq, oldest first, at most `limit`. */
    after: (conversationId: string, afterSeq: number, limit: number): Message[] => after.all(conversationId, afterSeq, limit),
    /** The newest `limit` messages, oldest first. */
    recent: (conversationId: string, limit: number): Message[] => recent.all(conversationId, limit),
    /** The user's message before seq `beforeSeq` (the "previous" one when answering the message at beforeSeq). */
    lastUserBefore: (conversationId: string, beforeSeq: number): Message | undefined => lastUserBefore.get(conversationId, beforeSeq),
    bySuggestion: (suggestionId: number): Message | undefined => bySuggestion.get(suggestionId),
  };
}

export type MessageRepository = ReturnType<typeof createMessageRepository>;

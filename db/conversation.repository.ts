import type { Db } from "./connection.js";

export interface Conversation {
  id: string;
  productId: string;
  userId: string | null;
  lastSeq: number;
  createdAt: number;
  lastMessageAt: number | null;
}

export interface ConversationLink {
  sessionRef: number;
  conversationId: string;
  kind: "new" | "resumed";
  linkedAt: number;
}

const COLUMNS = `id, product_id AS productId, user_id AS userId, last_seq AS lastSeq, created_at AS createdAt,
  last_message_at AS lastMessageAt`;

export function createConversationRepository(db: Db) {
  const insert = db.prepare<{ id: string; productId: string; userId: string | null; now: number }>(
    "INSERT INTO conversations (id, product_id, user_id, created_at) VALUES (@id, @productId, @userId, @now)",
  );
  const byId = db.prepare<[string], Conversation>(`SELECT ${COLUMNS} FROM conversations WHERE id = ?`);
  const latestForUser = db.prepare<[string, string], Conversation>(
    `SELECT ${COLUMNS} FROM conversations WHERE product_id = ? AND user_id = ?
     ORDER BY COALESCE(last_message_at, created_at) DESC LIMIT 1`,
  );
  const claimUser = db.prepare<[string, string]>("UPDATE conversations SET user_id = ? WHERE id = ? AND user_id IS NULL");
  const link = db.prepare<{ sessionRef: number; conversationId: string; kind: string; now: number }>(
    `INSERT INTO conversation_links (session_ref, conversation_id, kind, linked_at)
     VALUES (@sessionRef, @conversationId, @kind, @now) ON CONFLICT (session_ref) DO NOTHING`,
  );
  const linkOf = db.prepare<[number], ConversationLink>(
    `SELECT session_ref AS sessionRef, conversation_id AS conversationId, kind, linked_at AS linkedAt
     FROM conversation_links WHERE session_ref = ?`,
  );
  const linksOf = db.prepare<[string], ConversationLink & { sessionId: string }>(
    `SELECT l.session_ref AS sessionRef, l.conversation_id AS conversationId, l.kind, l.linked_at AS linkedAt,
            s.session_key AS sessionId
     FROM conversation_links l JOIN sessions s ON s.id = l.session_ref
     WHERE l.conversation_id = ? ORDER BY l.linked_at, l.session_ref`,
  );
  const discardUnlinked = db.prepare<{ id: string }>(
    `DELETE FROM conversations WHERE id = @id AND last_seq = 0
       AND NOT EXISTS (SELECT 1 FROM conversation_links WHERE conversation_id = @id)`,
  );
  const nextSeq = db
    .prepare<[number, string], number>(
      "UPDATE conversations SET last_seq = last_seq + 1, last_message_at = ? WHERE id = ? RETURNING last_seq",
    )
    .pluck();

  return {
    create(input: { id: string; productId: string; userId: string | null; now: number }): void {
      insert.run(input);
    },
    findById: (id: string): Conversation | undefined => byId.get(id),
    latestForUser: (productId: string, userId: string): Conversation | undefined => latestForUser.get(productId, userId),
    /** Marks an anonymous conversation as the verified user's (never re-assigns one that has an owner). */
    claimForUser(conversationId: string, userId: string): void {
      claimUser.run(userId, conversationId);
    },
    /** Links a session to a conversation; a session already linked keeps its link. Returns the link in force. */
    link(sessionRef: number, conversationId: string, kind: "new" | "resumed", now: number): ConversationLink {
      link.run({ sessionRef, conversationId, kind, now });
      return linkOf.get(sessionRef)!;
    },
    linkOf: (sessionRef: number): ConversationLink | undefined => linkOf.get(sessionRef),
    /**
     * Removes a conversation that no session links to and that holds no message: the one a racing `ensure`
     * created before it learnt that another had linked the session first (left, it would become the user's
     * "latest conversation" and pull their next device into an empty thread). Returns whether it was removed.
     */
    discardUnlinked: (id: string): boolean => discardUnlinked.run({ id }).changes > 0,
    /** Reverse lookup: every session linked to the conversation, oldest link first. */
    linksOf: (conversationId: string) => linksOf.all(conversationId),
    /** Allocates the next message seq. Call inside the transaction that inserts the message. */
    nextSeq: (conversationId: string, now: number): number => nextSeq.get(now, conversationId)!,
  };
}

export type ConversationRepository = ReturnType<typeof createConversationRepository>;

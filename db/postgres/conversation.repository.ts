import type { Conversation, ConversationLink, ConversationRepository } from "../conversation.repository.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";

const COLUMNS = `id, product_id AS "productId", user_id AS "userId", last_seq AS "lastSeq", created_at AS "createdAt",
  last_message_at AS "lastMessageAt"`;
const LINK_COLUMNS = `session_ref AS "sessionRef", conversation_id AS "conversationId", kind, linked_at AS "linkedAt"`;

export function createPgConversationRepository(ex: Executor): AsyncOf<ConversationRepository> {
  const linkOf = (sessionRef: number) => ex.row<ConversationLink>(`SELECT ${LINK_COLUMNS} FROM conversation_links WHERE session_ref = $1`, [sessionRef]);
  return {
    async create(i) {
      await ex.run("INSERT INTO conversations (id, product_id, user_id, created_at) VALUES ($1, $2, $3, $4)", [i.id, i.productId, i.userId, i.now]);
    },
    findById: (id) => ex.row<Conversation>(`SELECT ${COLUMNS} FROM conversations WHERE id = $1`, [id]),
    latestForUser: (productId, userId) =>
      ex.row<Conversation>(
        `SELECT ${COLUMNS} FROM conversations WHERE product_id = $1 AND user_id = $2 ORDER BY COALESCE(last_message_at, created_at) DESC LIMIT 1`,
        [productId, userId],
      ),
    async claimForUser(conversationId, userId) {
      await ex.run("UPDATE conversations SET user_id = $1 WHERE id = $2 AND user_id IS NULL", [userId, conversationId]);
    },
    /**
     * Two instances linking one session at once: the primary key on session_ref lets one insert win and the
     * other do nothing; both then read the winner's link (the loser's statement waited for the winner's commit).
     */
    async link(sessionRef, conversationId, kind, now) {
      await ex.run(
        `INSERT INTO conversation_links (session_ref, conversation_id, kind, linked_at) VALUES ($1, $2, $3, $4) ON CONFLICT (session_ref) DO NOTHING`,
        [sessionRef, conversationId, kind, now],
      );
      return (await linkOf(sessionRef))!;
    },
    linkOf,
    async discardUnlinked(id) {
      const removed = await ex.run(
        `DELETE FROM conversations WHERE id = $1 AND last_seq = 0
           AND NOT EXISTS (SELECT 1 FROM conversation_links WHERE conversation_id = $1)`,
        [id],
      );
      return removed > 0;
    },
    linksOf: (conversationId) =>
      ex.rows<ConversationLink & { sessionId: string }>(
        `SELECT l.session_ref AS "sessionRef", l.conversation_id AS "conversationId", l.kind, l.linked_at AS "linkedAt", s.session_key AS "sessionId"
         FROM conversation_links l JOIN sessions s ON s.id = l.session_ref
         WHERE l.conversation_id = $1 ORDER BY l.linked_at, l.session_ref`,
        [conversationId],
      ),
    // The row lock the UPDATE takes orders concurrent writers of one conversation: seqs never repeat.
    nextSeq: async (conversationId, now) =>
      (await ex.row<{ seq: number }>("UPDATE conversations SET last_seq = last_seq + 1, last_message_at = $1 WHERE id = $2 RETURNING last_seq AS seq", [now, conversationId]))!.seq,
  };
}

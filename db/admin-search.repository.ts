/**
 * The admin page's search: sessions by id, user or goal, and conversation messages by text, of one product
 * within a time range. Case-insensitive substring matches (`instr` on text folded by fold(), the connection's
 * full-Unicode toLowerCase() — see connection.ts — so "übersicht" finds "Übersicht"; no LIKE wildcards to
 * escape); admin-only and bounded by LIMIT.
 */
import type { Db } from "./connection.js";
import { foldCase } from "./fold-case.js";

export interface SessionHit {
  sessionId: string;
  userId: string | null;
  goal: string | null;
  lastSeenAt: number;
  conversationId: string | null;
}

export interface MessageHit {
  conversationId: string;
  messageId: string;
  role: string;
  text: string;
  createdAt: number;
  userId: string | null;
}

export function createAdminSearchRepository(db: Db) {
  const sessions = db.prepare<{ productId: string; since: number; q: string; limit: number }, SessionHit>(`
    SELECT s.session_key AS sessionId, s.user_id AS userId, s.goal, s.last_seen_at AS lastSeenAt, l.conversation_id AS conversationId
    FROM sessions s LEFT JOIN conversation_links l ON l.session_ref = s.id
    WHERE s.product_id = @productId AND s.last_seen_at >= @since
      AND (instr(fold(s.session_key), @q) > 0 OR instr(fold(ifnull(s.user_id, '')), @q) > 0 OR instr(fold(ifnull(s.goal, '')), @q) > 0)
    ORDER BY s.last_seen_at DESC LIMIT @limit`);
  const messages = db.prepare<{ productId: string; since: number; q: string; limit: number }, MessageHit>(`
    SELECT m.conversation_id AS conversationId, m.id AS messageId, m.role, m.text, m.created_at AS createdAt, c.user_id AS userId
    FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE c.product_id = @productId AND m.created_at >= @since AND instr(fold(m.text), @q) > 0
    ORDER BY m.created_at DESC LIMIT @limit`);
  return {
    search(productId: string, q: string, since: number, limit: number): { sessions: SessionHit[]; messages: MessageHit[] } {
      const needle = foldCase(q);
      return {
        sessions: sessions.all({ productId, since, q: needle, limit }),
        messages: messages.all({ productId, since, q: needle, limit }),
      };
    },
  };
}

export type AdminSearchRepository = ReturnType<typeof createAdminSearchRepository>;

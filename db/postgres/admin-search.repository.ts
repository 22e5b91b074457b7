import type { AdminSearchRepository, MessageHit, SessionHit } from "../admin-search.repository.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";
import { foldCase } from "../fold-case.js";

/**
 * strpos on case-folded text: a plain substring match, as instr() on the SQLite side (no LIKE wildcards), with
 * the query folded by foldCase() (JS toLowerCase(), full Unicode) like SQLite's fold(). lower() follows the
 * collation: under a C/POSIX database collation it folds ASCII letters only, so it runs under the ICU root
 * collation ("und-x-icu"), whose lowercasing is the Unicode default one toLowerCase() uses. A server built
 * without ICU has no such collation: lower() then uses the database's own (full Unicode under a UTF-8 locale).
 */
const icuLower = (expr: string) => `lower(${expr} COLLATE "und-x-icu")`;
const plainLower = (expr: string) => `lower(${expr})`;

export function createPgAdminSearchRepository(ex: Executor): AsyncOf<AdminSearchRepository> {
  // Asked once per repository (the server's collations do not change while it runs); asked again after a failure.
  let folder: Promise<(expr: string) => string> | undefined;
  const fold = () =>
    (folder ??= ex.row(`SELECT 1 AS icu FROM pg_collation WHERE collname = 'und-x-icu'`).then(
      (row) => (row ? icuLower : plainLower),
      (err: unknown) => {
        folder = undefined;
        throw err;
      },
    ));
  return {
    async search(productId, q, since, limit) {
      const needle = foldCase(q);
      const lower = await fold();
      const [sessions, messages] = [
        await ex.rows<SessionHit>(
          `SELECT s.session_key AS "sessionId", s.user_id AS "userId", s.goal, s.last_seen_at AS "lastSeenAt", l.conversation_id AS "conversationId"
           FROM sessions s LEFT JOIN conversation_links l ON l.session_ref = s.id
           WHERE s.product_id = $1 AND s.last_seen_at >= $2
             AND (strpos(${lower("s.session_key")}, $3) > 0 OR strpos(${lower("COALESCE(s.user_id, '')")}, $3) > 0
                  OR strpos(${lower("COALESCE(s.goal, '')")}, $3) > 0)
           ORDER BY s.last_seen_at DESC LIMIT $4`,
          [productId, since, needle, limit],
        ),
        await ex.rows<MessageHit>(
          `SELECT m.conversation_id AS "conversationId", m.id AS "messageId", m.role, m.text, m.created_at AS "createdAt", c.user_id AS "userId"
           FROM messages m JOIN conversations c ON c.id = m.conversation_id
           WHERE c.product_id = $1 AND m.created_at >= $2 AND strpos(${lower("m.text")}, $3) > 0
           ORDER BY m.created_at DESC LIMIT $4`,
          [productId, since, needle, limit],
        ),
      ];
      return { sessions, messages };
    },
  };
}

import type { UserSessionRef, UserSessionRepository } from "../user-session.repository.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";

export function createPgUserSessionRepository(ex: Executor): AsyncOf<UserSessionRepository> {
  return {
    async touch(productId, userId, sessionRef, now) {
      await ex.run(
        `INSERT INTO user_sessions (product_id, user_id, session_ref, last_seen_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (product_id, user_id, session_ref) DO UPDATE SET last_seen_at = GREATEST(user_sessions.last_seen_at, excluded.last_seen_at)`,
        [productId, userId, sessionRef, now],
      );
    },
    recent: (productId, userId, since, limit) =>
      ex.rows<UserSessionRef>(
        `SELECT u.session_ref AS "sessionRef", s.session_key AS "sessionId", GREATEST(u.last_seen_at, s.last_seen_at) AS "lastSeenAt"
         FROM user_sessions u JOIN sessions s ON s.id = u.session_ref AND s.owner_id = u.user_id
         WHERE u.product_id = $1 AND u.user_id = $2 AND GREATEST(u.last_seen_at, s.last_seen_at) >= $3
         ORDER BY "lastSeenAt" DESC, u.session_ref DESC LIMIT $4`,
        [productId, userId, since, limit],
      ),
  };
}

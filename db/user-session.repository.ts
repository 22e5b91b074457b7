import type { Db } from "./connection.js";

export interface UserSessionRef {
  sessionRef: number;
  sessionId: string;
  lastSeenAt: number;
}

/**
 * Verified user → their recent sessions (PROTOCOL §3.2): written when a session gets its owner, so it holds a
 * user's own sessions only. Reads also require the session to be owned by that user, so a stale entry can
 * never pull a foreign session into someone's chat look-back or binding.
 */
export function createUserSessionRepository(db: Db) {
  const touch = db.prepare<{ productId: string; userId: string; sessionRef: number; now: number }>(`
    INSERT INTO user_sessions (product_id, user_id, session_ref, last_seen_at) VALUES (@productId, @userId, @sessionRef, @now)
    ON CONFLICT (product_id, user_id, session_ref) DO UPDATE SET last_seen_at = MAX(last_seen_at, excluded.last_seen_at)`);
  const recent = db.prepare<[string, string, number, number], UserSessionRef>(`
    SELECT u.session_ref AS sessionRef, s.session_key AS sessionId, MAX(u.last_seen_at, s.last_seen_at) AS lastSeenAt
    FROM user_sessions u JOIN sessions s ON s.id = u.session_ref AND s.owner_id = u.user_id
    WHERE u.product_id = ? AND u.user_id = ? AND MAX(u.last_seen_at, s.last_seen_at) >= ?
    ORDER BY lastSeenAt DESC, u.session_ref DESC LIMIT ?`);
  return {
    touch(productId: string, userId: string, sessionRef: number, now: number): void {
      touch.run({ productId, userId, sessionRef, now });
    },
    /** The user's sessions seen since `since` (ms), newest first. */
    recent: (productId: string, userId: string, since: number, limit: number): UserSessionRef[] =>
      recent.all(productId, userId, since, limit),
  };
}

export type UserSessionRepository = ReturnType<typeof createUserSessionRepository>;

import type { Session, SessionRepository } from "../session.repository.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";

const COLUMNS = `id, product_id AS "productId", session_key AS "sessionKey", user_id AS "userId", owner_id AS "ownerId", email, goal,
  goal_source AS "goalSource", action_count AS "actionCount", first_seen_at AS "firstSeenAt", last_seen_at AS "lastSeenAt"`;

/** As the SQLite adapter: a later activity time within this of the stored one is not written. */
const SEEN_RESOLUTION_MS = 1000;

export function createPgSessionRepository(ex: Executor): AsyncOf<SessionRepository> {
  return {
    // One row per (product, session key) however many instances see the session first: ON CONFLICT.
    touch: async (i) =>
      (await ex.row<{ id: number }>(
        `INSERT INTO sessions (product_id, session_key, user_id, email, first_seen_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (product_id, session_key) DO UPDATE SET
           user_id = CASE WHEN sessions.owner_id IS NULL THEN COALESCE(excluded.user_id, sessions.user_id) ELSE sessions.user_id END,
           email = COALESCE(excluded.email, sessions.email),
           last_seen_at = GREATEST(sessions.last_seen_at, excluded.last_seen_at)
         RETURNING id`,
        [i.productId, i.sessionKey, i.userId, i.email, i.now],
      ))!.id,
    idByKey: async (productId, sessionKey) =>
      (await ex.row<{ id: number }>("SELECT id FROM sessions WHERE product_id = $1 AND session_key = $2", [productId, sessionKey]))?.id,
    async recordActivity(id, input) {
      await ex.run("UPDATE sessions SET action_count = action_count + $1 WHERE id = $2", [input.added, id]);
      if (input.userId !== null || input.email !== null) {
        await ex.run(
          "UPDATE sessions SET user_id = CASE WHEN owner_id IS NULL THEN COALESCE($1, user_id) ELSE user_id END, email = COALESCE($2, email) WHERE id = $3",
          [input.userId, input.email, id],
        );
      }
      await ex.run("UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at <= $3", [input.now, id, input.now - SEEN_RESOLUTION_MS]);
    },
    findByKey: (productId, sessionKey) => ex.row<Session>(`SELECT ${COLUMNS} FROM sessions WHERE product_id = $1 AND session_key = $2`, [productId, sessionKey]),
    findById: (id) => ex.row<Session>(`SELECT ${COLUMNS} FROM sessions WHERE id = $1`, [id]),
    windowKey: async (id) =>
      ex.row<{ actionCount: number; covered: number }>(
        `SELECT action_count AS "actionCount",
                COALESCE((SELECT covers_through_action_id FROM summaries WHERE session_ref = s.id ORDER BY id DESC LIMIT 1), 0) AS covered
         FROM sessions s WHERE id = $1`,
        [id],
      ),
    recentlyActive: (productId, since, limit) =>
      ex.rows<Session>(
        `SELECT ${COLUMNS} FROM sessions WHERE product_id = $1 AND last_seen_at >= $2 ORDER BY last_seen_at DESC, id DESC LIMIT $3`,
        [productId, since, limit],
      ),
    setOwner: async (id, ownerId) =>
      (await ex.run("UPDATE sessions SET owner_id = $2, user_id = $2 WHERE id = $1 AND owner_id IS NULL", [id, ownerId])) === 1,
    setGoalIfChanged: async (id, goal, source) =>
      (await ex.run(
        "UPDATE sessions SET goal = $1, goal_source = $2 WHERE id = $3 AND (goal IS DISTINCT FROM $1 OR goal_source IS DISTINCT FROM $2)",
        [goal, source, id],
      )) > 0,
  };
}

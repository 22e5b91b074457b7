import type { Db } from "./connection.js";

export interface Session {
  id: number;
  productId: string;
  sessionKey: string;
  /** The user id the source gave (a label for admin views; never used for access). */
  userId: string | null;
  /**
   * The verified user the session belongs to (PROTOCOL.md §3.3), set once and never rewritten; null while
   * anonymous. The empty string marks a session whose old data named two users: nobody can enter it.
   */
  ownerId: string | null;
  email: string | null;
  goal: string | null;
  goalSource: string | null;
  actionCount: number;
  firstSeenAt: number;
  lastSeenAt: number;
}

export interface TouchInput {
  productId: string;
  sessionKey: string;
  userId: string | null;
  email: string | null;
  now: number;
}

const COLUMNS = `id, product_id AS productId, session_key AS sessionKey, user_id AS userId, owner_id AS ownerId, email, goal,
  goal_source AS goalSource, action_count AS actionCount, first_seen_at AS firstSeenAt, last_seen_at AS lastSeenAt`;

/** How stale `last_seen_at` may be: within this of the stored time, a new activity time is not written. */
const SEEN_RESOLUTION_MS = 1000;

export function createSessionRepository(db: Db) {
  const upsert = db.prepare<TouchInput, { id: number }>(`
    INSERT INTO sessions (product_id, session_key, user_id, email, first_seen_at, last_seen_at)
    VALUES (@productId, @sessionKey, @userId, @email, @now, @now)
    ON CONFLICT (product_id, session_key) DO UPDATE SET
      user_id = CASE WHEN owner_id IS NULL THEN COALESCE(excluded.user_id, user_id) ELSE user_id END,
      email = COALESCE(excluded.email, email),
      last_seen_at = MAX(last_seen_at, excluded.last_seen_at)
    RETURNING id`);
  const idByKey = db
    .prepare<[string, string], number>("SELECT id FROM sessions WHERE product_id = ? AND session_key = ?")
    .pluck();
  // Three statements rather than one: an UPDATE rewrites the index entries of every column it assigns, even
  // to the same value, and last_seen_at (sessions_last_seen, sessions_user) and user_id (sessions_user) are
  // indexed. The count changes on every ingest; identity only when the source names it; last-seen time at most
  // once a second.
  const addActions = db.prepare<[number, number]>("UPDATE sessions SET action_count = action_count + ? WHERE id = ?");
  // The claimed user only while the session has no owner (an owner is never rewritten).
  const setIdentity = db.prepare<[string | null, string | null, number]>(
    "UPDATE sessions SET user_id = CASE WHEN owner_id IS NULL THEN COALESCE(?, user_id) ELSE user_id END, email = COALESCE(?, email) WHERE id = ?",
  );
  const setSeen = db.prepare<[number, number, number]>("UPDATE sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at <= ?");
  const byKey = db.prepare<[string, string], Session>(
    `SELECT ${COLUMNS} FROM sessions WHERE product_id = ? AND session_key = ?`,
  );
  const byId = db.prepare<[number], Session>(`SELECT ${COLUMNS} FROM sessions WHERE id = ?`);
  // What identifies a session's context window: its action count and its latest summary's coverage.
  const windowKey = db
    .prepare<[number], [number, number]>(
      `SELECT action_count, COALESCE((SELECT covers_through_action_id FROM summaries WHERE session_ref = s.id ORDER BY id DESC LIMIT 1), 0)
       FROM sessions s WHERE id = ?`,
    )
    .raw(true);
  // Newest activity first, by the last_seen_at index (the same one retention walks from the other end).
  const recentlyActive = db.prepare<[string, number, number], Session>(
    `SELECT ${COLUMNS} FROM sessions INDEXED BY sessions_last_seen
     WHERE product_id = ? AND last_seen_at >= ? ORDER BY last_seen_at DESC, id DESC LIMIT ?`,
  );
  // Only an anonymous session gets an owner: the first owner sticks (the caller refuses a different one).
  const setOwner = db.prepare<{ id: number; ownerId: string }>("UPDATE sessions SET owner_id = @ownerId, user_id = @ownerId WHERE id = @id AND owner_id IS NULL");
  const setGoal = db.prepare<[string | null, string | null, number, string | null, string | null]>(
    "UPDATE sessions SET goal = ?, goal_source = ? WHERE id = ? AND (goal IS NOT ? OR goal_source IS NOT ?)",
  );

  return {
    /** Creates the session on first sight, or refreshes its claimed user (while unowned) and when it was last seen. */
    touch: (input: TouchInput): number => upsert.get(input)!.id,
    idByKey: (productId: string, sessionKey: string): number | undefined => idByKey.get(productId, sessionKey),
    /**
     * New actions were stored for the session: count them and refresh the claimed user and last-seen time (to
     * the second: a later time within a second of the stored one is not written).
     */
    recordActivity(id: number, input: { userId: string | null; email: string | null; now: number; added: number }): void {
      addActions.run(input.added, id);
      if (input.userId !== null || input.email !== null) setIdentity.run(input.userId, input.email, id);
      setSeen.run(input.now, id, input.now - SEEN_RESOLUTION_MS);
    },
    findByKey: (productId: string, sessionKey: string): Session | undefined => byKey.get(productId, sessionKey),
    findById: (id: number): Session | undefined => byId.get(id),
    /** The session's action count and summary coverage (what a cached window must match), or undefined. */
    windowKey(id: number): { actionCount: number; covered: number } | undefined {
      const row = windowKey.get(id);
      return row && { actionCount: row[0], covered: row[1] };
    },
    /** Sessions of a product seen at or after `since`, most recently seen first. */
    recentlyActive: (productId: string, since: number, limit: number): Session[] => recentlyActive.all(productId, since, limit),
    /** Makes an anonymous session the user's; returns false when it already has an owner (unchanged). */
    setOwner: (id: number, ownerId: string): boolean => setOwner.run({ id, ownerId }).changes === 1,
    /** Stores the session's goal; false when it already was that (or the session is gone). */
    setGoalIfChanged: (id: number, goal: string | null, source: string | null): boolean => setGoal.run(goal, source, id, goal, source).changes > 0,
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;

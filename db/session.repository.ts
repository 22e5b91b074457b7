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
  const recordActivity = db.prepare<{ id: number; userId: string | null; email: string | null; now: number; added: number }>(`
    UPDATE sessions SET
      user_id = CASE WHEN owner_id IS NULL THEN COALESCE(@userId, user_id) ELSE user_id END,
      email = COALESCE(@email, email),
      action_count = action_count + @added,
      last_seen_at = MAX(last_seen_at, @now)
    WHERE id = @id`);
  const byKey = db.prepare<[string, string], Session>(
    `SELECT ${COLUMNS} FROM sessions WHERE product_id = ? AND session_key = ?`,
  );
  const byId = db.prepare<[number], Session>(`SELECT ${COLUMNS} FROM sessions WHERE id = ?`);
  // Newest activity first, by the last_seen_at index (the same one retention walks from the other end).
  const recentlyActive = db.prepare<[string, number, number], Session>(
    `SELECT ${COLUMNS} FROM sessions INDEXED BY sessions_last_seen
     WHERE product_id = ? AND last_seen_at >= ? ORDER BY last_seen_at DESC, id DESC LIMIT ?`,
  );
  // Only an anonymous session gets an owner: the first owner sticks (the caller refuses a different one).
  const setOwner = db.prepare<{ id: number; ownerId: string }>("UPDATE sessions SET owner_id = @ownerId, user_id = @ownerId WHERE id = @id AND owner_id IS NULL");
  const setGoal = db.prepare<[string | null, string | null, number]>(
    "UPDATE sessions SET goal = ?, goal_source = ? WHERE id = ?",
  );

  return {
    /** Creates the session on first sight, or refreshes its claimed user (while unowned) and when it was last seen. */
    touch: (input: TouchInput): number => upsert.get(input)!.id,
    idByKey: (productId: string, sessionKey: string): number | undefined => idByKey.get(productId, sessionKey),
    /** New actions were stored for the session: count them and refresh the claimed user and last-seen time. */
    recordActivity(id: number, input: { userId: string | null; email: string | null; now: number; added: number }): void {
      recordActivity.run({ id, ...input });
    },
    findByKey: (productId: string, sessionKey: string): Session | undefined => byKey.get(productId, sessionKey),
    findById: (id: number): Session | undefined => byId.get(id),
    /** Sessions of a product seen at or after `since`, most recently seen first. */
    recentlyActive: (productId: string, since: number, limit: number): Session[] => recentlyActive.all(productId, since, limit),
    /** Makes an anonymous session the user's; returns false when it already has an owner (unchanged). */
    setOwner: (id: number, ownerId: string): boolean => setOwner.run({ id, ownerId }).changes === 1,
    setGoal(id: number, goal: string | null, source: string | null): void {
      setGoal.run(goal, source, id);
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;

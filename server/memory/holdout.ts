/**
 * The holdout of SUGGEST_HOLDOUT_PCT: which sessions get suggestions computed and stored but never shown,
 * so lift can be measured against them. Drawn by a keyed hash of the user (sticky across their sessions;
 * an anonymous session by its own id) or of the session, with a secret salt generated once per instance —
 * nobody can pick ids that land outside it. Decided at a session's first evaluation and stored.
 */
import crypto from "node:crypto";
import type { RepositoryPorts } from "../../db/store.js";
import type { MemoryScope } from "./memory-scope.js";

const SALT_KEY = "holdout_salt";

export interface HoldoutSettings {
  pct: number;
  unit: "user" | "session";
}

/** 0…9999, uniform, stable for a salt and key. */
export function holdoutBucket(salt: string, productId: string, unit: "user" | "session", key: string): number {
  const digest = crypto.createHmac("sha256", salt).update(`${productId}\u0000${unit}\u0000${key}`).digest();
  return digest.readUInt32BE(0) % 10_000;
}

/** What a session's evaluation learns of its holdout: stored, or drawn now and stored with its decision. */
export interface HoldoutDraw {
  holdout: boolean;
  /** A new assignment, to be stored in the same commit as the decision it shaped (the first one stored stays). */
  store?: (tx: RepositoryPorts) => Promise<void>;
}

/**
 * Draws sessions' holdout assignments. The salt is read (or made) once and then kept: it never changes once
 * stored, and reading it for every new session was a query per evaluation. A new assignment is not written
 * here but handed back to be stored with the decision: a write of its own was a second commit per new session.
 */
export function createHoldoutDraw(s: HoldoutSettings) {
  let salt: Promise<string> | undefined;
  // First writer wins: instances creating the salt at once all keep the one stored.
  const saltOf = (repos: RepositoryPorts): Promise<string> =>
    (salt ??= (async () => (await repos.settings.get(SALT_KEY)) ?? (await repos.settings.setIfAbsent(SALT_KEY, crypto.randomBytes(32).toString("hex"))))().catch((err: unknown) => {
      salt = undefined;
      throw err;
    }));

  return {
    /** Reads (or makes) the salt now, when draws need one, so that later draws inside a transaction do not. */
    async warm(repos: RepositoryPorts): Promise<void> {
      if (s.pct > 0) await saltOf(repos);
    },

    async draw(repos: RepositoryPorts, session: { id: number; productId: string; sessionKey: string }, scope: MemoryScope, now: number): Promise<HoldoutDraw> {
      const stored = await repos.attempts.assignmentOf(session.id);
      if (stored) return { holdout: stored.holdout };
      const unit = s.unit === "user" && scope.kind === "user" ? "user" : "session";
      const key = unit === "user" ? scope.id : session.sessionKey;
      const holdout = s.pct > 0 && holdoutBucket(await saltOf(repos), session.productId, unit, key) < s.pct * 100;
      return { holdout, store: (tx) => tx.attempts.assign(session.id, holdout, unit, now) };
    },
  };
}

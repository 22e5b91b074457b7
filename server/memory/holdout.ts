/**
 * The holdout of SUGGEST_HOLDOUT_PCT: which sessions get suggestions computed and stored but never shown,
 * so lift can be measured against them. Drawn by a keyed hash of the user (sticky across their sessions;
 * an anonymous session by its own id) or of the session, with a secret salt generated once per instance —
 * nobody can pick ids that land outside it. Decided at a session's first evaluation and stored.
 */
import crypto from "node:crypto";
import type { Repositories } from "../../db/repositories.js";
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

function saltOf(repos: Repositories): string {
  let salt = repos.settings.get(SALT_KEY);
  if (!salt) {
    salt = crypto.randomBytes(32).toString("hex");
    repos.settings.set(SALT_KEY, salt);
  }
  return salt;
}

/** Whether the session is held out: its stored assignment, or a new one made now. */
export function holdoutOf(repos: Repositories, s: HoldoutSettings, session: { id: number; productId: string; sessionKey: string }, scope: MemoryScope, now: number): boolean {
  const stored = repos.attempts.assignmentOf(session.id);
  if (stored) return stored.holdout;
  const unit = s.unit === "user" && scope.kind === "user" ? "user" : "session";
  const key = unit === "user" ? scope.id : session.sessionKey;
  const holdout = s.pct > 0 && holdoutBucket(saltOf(repos), session.productId, unit, key) < s.pct * 100;
  repos.attempts.assign(session.id, holdout, unit, now);
  return holdout;
}

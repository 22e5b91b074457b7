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

async function saltOf(repos: RepositoryPorts): Promise<string> {
  // First writer wins: instances creating the salt at once all keep the one stored.
  return (await repos.settings.get(SALT_KEY)) ?? (await repos.settings.setIfAbsent(SALT_KEY, crypto.randomBytes(32).toString("hex")));
}

/** Whether the session is held out: its stored assignment, or a new one made now. */
export async function holdoutOf(repos: RepositoryPorts, s: HoldoutSettings, session: { id: number; productId: string; sessionKey: string }, scope: MemoryScope, now: number): Promise<boolean> {
  const stored = await repos.attempts.assignmentOf(session.id);
  if (stored) return stored.holdout;
  const unit = s.unit === "user" && scope.kind === "user" ? "user" : "session";
  const key = unit === "user" ? scope.id : session.sessionKey;
  const holdout = s.pct > 0 && holdoutBucket(await saltOf(repos), session.productId, unit, key) < s.pct * 100;
  await repos.attempts.assign(session.id, holdout, unit, now);
  // The first assignment stays: another instance may have made this session's at the same time.
  return (await repos.attempts.assignmentOf(session.id))?.holdout ?? holdout;
}

/**
 * User memory's read side: what the suggestion engine, chat and the admin endpoints know about a session's
 * user (or, for an anonymous visitor, about the session alone) — per workflow knowledge, this session's own
 * attempts, when the user was last active before this session, and whether they learn quickly.
 */
import type { AttemptWithSteps } from "../../db/attempt.repository.js";
import type { RepositoryPorts } from "../../db/store.js";
import type { Session } from "../../db/session.repository.js";
import type { Workflow } from "../workflows/workflows.schema.js";
import { currentAttempts, isQuickLearner, knowledgeOf, type MasteryRule, type WorkflowKnowledge } from "./knowledge-state.js";
import { memoryScopeOf, type MemoryScope } from "./memory-scope.js";

export interface MemorySettings {
  rule: MasteryRule;
  abandonAfterMs: number;
  /** How far back a user's attempts count (USER_LOOKBACK_DAYS). */
  lookbackMs: number;
}

export interface MemoryView {
  scope: MemoryScope;
  knowledge: Map<string, WorkflowKnowledge>;
  /** This session's attempts at the product's current workflows, oldest first. */
  sessionAttempts: AttemptWithSteps[];
  /** The user's latest activity in another session (ms), or null. */
  previousActivityAt: number | null;
  sessionStartedAt: number;
  quickLearner: boolean;
}

/** Most attempts one user's memory reads (the newest). */
const MAX_ATTEMPTS = 2_000;

export async function loadMemoryView(repos: RepositoryPorts, settings: MemorySettings, session: Session, workflows: readonly Workflow[], now: number): Promise<MemoryView> {
  const scope = memoryScopeOf(session);
  // Only attempts at the product's current workflows count: a product without workflows has none to read.
  const none = workflows.length === 0;
  const sessionAttempts = none ? [] : currentAttempts(workflows, await repos.attempts.ofSession(session.id));
  const attempts =
    scope.kind === "user" && !none ? await repos.attempts.ofScope(session.productId, "user", scope.id, now - settings.lookbackMs, MAX_ATTEMPTS) : sessionAttempts;
  const knowledge = knowledgeOf(workflows, attempts, settings.rule, now, settings.abandonAfterMs);
  let previousActivityAt: number | null = null;
  if (scope.kind === "user") {
    // The user's own sessions (written when a session gets its owner), newest first: the latest other than this one.
    // Not user memory's cursors, which a product without workflows does not keep.
    const other = (await repos.userSessions.recent(session.productId, scope.id, 0, 2)).find((s) => s.sessionRef !== session.id);
    if (other) previousActivityAt = other.lastSeenAt;
  }
  return {
    scope,
    knowledge,
    sessionAttempts,
    previousActivityAt,
    sessionStartedAt: session.firstSeenAt,
    quickLearner: isQuickLearner(knowledge.values(), settings.rule),
  };
}

/** A verified user's knowledge across their sessions, or undefined when the user is unknown here. */
export async function loadUserKnowledge(repos: RepositoryPorts, settings: MemorySettings, productId: string, userId: string, workflows: readonly Workflow[], now: number) {
  const attempts = await repos.attempts.ofScope(productId, "user", userId, now - settings.lookbackMs, MAX_ATTEMPTS);
  const sessions = await repos.userSessions.recent(productId, userId, 0, 1);
  if (attempts.length === 0 && sessions.length === 0) return undefined;
  const knowledge = knowledgeOf(workflows, attempts, settings.rule, now, settings.abandonAfterMs);
  return { knowledge, quickLearner: isQuickLearner(knowledge.values(), settings.rule), lastSeenAt: sessions[0]?.lastSeenAt ?? null };
}

/**
 * Keeps each session's inferred goal current: after every committed ingest (any source) it re-reads the
 * session's context window and stores the goal when it changed. Runs synchronously in the ingest
 * listener, so the goal is in SQLite before the request that caused it is answered.
 */
import type { Repositories } from "../../db/repositories.js";
import type { IngestListener } from "../ingest/ingest-event.js";
import type { Logger } from "../logger.js";
import type { Workflow } from "../workflows/workflows.schema.js";
import { inferGoal, type InferredGoal } from "./infer-goal.js";

export interface GoalTrackerDeps {
  repos: Repositories;
  workflows: readonly Workflow[];
  /** How many of the latest unsummarised actions the goal is inferred from (the context window). */
  windowSize: number;
  logger: Logger;
}

/** Infers and stores a session's goal; returns what it stored, or undefined when nothing changed. */
export function refreshSessionGoal(deps: GoalTrackerDeps, sessionRef: number): InferredGoal | undefined {
  const { repos } = deps;
  const session = repos.sessions.findById(sessionRef);
  if (!session) return undefined;
  const coveredThrough = repos.summaries.latest(sessionRef)?.coversThroughActionId ?? 0;
  const actions = repos.actions.latest(sessionRef, coveredThrough, deps.windowSize).map((a) => ({
    type: a.type,
    title: a.title,
    description: a.description,
    canonical_url: a.canonicalUrl,
  }));
  const inferred = inferGoal(deps.workflows, actions);
  if (!inferred) return undefined;
  if (inferred.goal === session.goal && inferred.source === session.goalSource) return undefined;
  repos.sessions.setGoal(sessionRef, inferred.goal, inferred.source);
  return inferred;
}

/** The listener to pass to `ingest.onIngested`. */
export function createGoalTracker(deps: GoalTrackerDeps): IngestListener {
  return (event) => {
    const changed = refreshSessionGoal(deps, event.sessionRef);
    if (changed) {
      deps.logger.debug({ productId: event.productId, sessionId: event.sessionId, source: changed.source }, "session goal updated");
    }
  };
}

/**
 * Keeps each session's inferred goal current after ingests from every source. Inference reads the
 * session's context window and matches every workflow against it (about a millisecond for a full window),
 * so it is throttled per session: the first ingest after a quiet second refreshes at once — inside the
 * ingest listener, so that goal is committed before the request is answered — and further ingests within
 * the second are folded into one refresh at its end. A goal is therefore at most one second behind.
 */
import type { Repositories } from "../../db/repositories.js";
import type { Clock } from "../clock.js";
import type { IngestedEvent } from "../ingest/ingest-event.js";
import type { Logger } from "../logger.js";
import type { WorkflowSource } from "../workflows/workflow-catalog.js";
import { inferGoal, type InferredGoal } from "./infer-goal.js";
import { startTimer } from "../timers.js";

export interface GoalTrackerDeps {
  repos: Repositories;
  workflows: WorkflowSource;
  /** How many of the latest unsummarised actions the goal is inferred from (the context window). */
  windowSize: number;
  logger: Logger;
  clock: Clock;
  /** Minimum time between two refreshes of one session's goal. */
  minIntervalMs?: number;
}

export interface GoalChange extends InferredGoal {
  productId: string;
  sessionId: string;
}

export type GoalListener = (change: GoalChange) => void;

const DEFAULT_INTERVAL_MS = 1000;

/** Infers and stores a session's goal; returns what it stored, or undefined when nothing changed. */
export function refreshSessionGoal(deps: Pick<GoalTrackerDeps, "repos" | "workflows" | "windowSize">, sessionRef: number): InferredGoal | undefined {
  const { repos } = deps;
  const session = repos.sessions.findById(sessionRef);
  if (!session) return undefined;
  const coveredThrough = repos.summaries.latest(sessionRef)?.coversThroughActionId ?? 0;
  const actions = repos.actions.latestMatchable(sessionRef, coveredThrough, deps.windowSize);
  const inferred = inferGoal(deps.workflows.forProduct(session.productId), actions);
  if (!inferred) return undefined;
  if (inferred.goal === session.goal && inferred.source === session.goalSource) return undefined;
  repos.sessions.setGoal(sessionRef, inferred.goal, inferred.source);
  return inferred;
}

export function createGoalTracker(deps: GoalTrackerDeps) {
  const interval = deps.minIntervalMs ?? DEFAULT_INTERVAL_MS;
  const listeners = new Set<GoalListener>();
  /** Per session: when it was last refreshed, and the trailing refresh waiting to run, if any. */
  const sessions = new Map<number, { at: number; pending?: ReturnType<typeof setTimeout> }>();
  let stopped = false;

  function refresh(event: IngestedEvent): void {
    const changed = refreshSessionGoal(deps, event.sessionRef);
    if (!changed) return;
    deps.logger.debug({ productId: event.productId, sessionId: event.sessionId, source: changed.source }, "session goal updated");
    const change = { ...changed, productId: event.productId, sessionId: event.sessionId };
    for (const listener of listeners) listener(change);
  }

  function forgetIdle(now: number): void {
    // Keeps the map to the sessions active within the last interval.
    if (sessions.size < 1000) return;
    for (const [ref, s] of sessions) if (!s.pending && now - s.at >= interval) sessions.delete(ref);
  }

  return {
    /** The ingest listener: pass it to `ingest.onIngested`. */
    onIngested(event: IngestedEvent): void {
      if (stopped) return;
      const now = deps.clock.now();
      const state = sessions.get(event.sessionRef);
      if (!state || now - state.at >= interval) {
        forgetIdle(now);
        sessions.set(event.sessionRef, { at: now });
        refresh(event);
        return;
      }
      if (state.pending) return;
      state.pending = startTimer(() => {
        state.pending = undefined;
        state.at = deps.clock.now();
        try {
          refresh(event);
        } catch (err) {
          deps.logger.error({ err, sessionId: event.sessionId }, "session goal refresh failed");
        }
      }, interval - (now - state.at));
    },

    /** Hears every goal change once it is stored. Returns the unsubscribe function. */
    onChanged(listener: GoalListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** Cancels pending refreshes (before the database closes). */
    stop(): void {
      stopped = true;
      for (const s of sessions.values()) clearTimeout(s.pending);
      sessions.clear();
    },
  };
}

export type GoalTracker = ReturnType<typeof createGoalTracker>;

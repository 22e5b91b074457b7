/**
 * Keeps each session's inferred goal current after ingests from every source — off the request path. An
 * ingest only marks its session; the sessions marked in a turn are refreshed together right after it (their
 * windows read, goals inferred) and every changed goal is written in one piece of the group commit, so goal
 * inference never adds a commit, and never delays an answer.
 *
 * Throttled per session: the first ingest after a quiet interval (1 s) is refreshed in the next batch; further
 * ingests within the interval are folded into one refresh at its end. A goal is therefore at most about one
 * interval behind. A session created by the ingest that marked it needs no read: its window is the actions
 * just stored. Nothing here scans all sessions: recently refreshed sessions are remembered in two generations
 * of one interval each, and the older generation is dropped whole.
 */
import type { Store } from "../../db/store.js";
import type { Clock } from "../clock.js";
import type { IngestedEvent } from "../ingest/ingest-event.js";
import type { Logger } from "../logger.js";
import type { MatchableAction } from "../workflows/workflow-progress.js";
import type { WorkflowSource } from "../workflows/workflow-catalog.js";
import { inferGoal, type InferredGoal } from "./infer-goal.js";
import { startTimer } from "../timers.js";
import type { WindowCache } from "./window-cache.js";

export interface GoalTrackerDeps {
  /** The store: changed goals are one piece of its group commit (`write`). */
  repos: Store;
  /** Windows of active sessions kept from their ingests; a refresh reads the store only when it misses. */
  windows: WindowCache;
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

interface Marked {
  productId: string;
  sessionId: string;
  /** The session's whole window, when the ingest that created it is all it has seen (no read needed). */
  window?: readonly MatchableAction[];
}

export function createGoalTracker(deps: GoalTrackerDeps) {
  const { repos, clock, logger } = deps;
  const interval = deps.minIntervalMs ?? DEFAULT_INTERVAL_MS;
  const listeners = new Set<GoalListener>();
  /** Sessions to refresh in the next batch. */
  const due = new Map<number, Marked>();
  /** Sessions refreshed less than an interval ago with activity since: refreshed by their timer. */
  const waiting = new Map<number, ReturnType<typeof setTimeout>>();
  /** When recently refreshed sessions were refreshed: this generation and the previous one. */
  let recent = new Map<number, number>();
  let older = new Map<number, number>();
  let generationStart = clock.now();
  let batchScheduled = false;
  let stopped = false;

  function lastRefresh(sessionRef: number, now: number): number | undefined {
    if (now - generationStart >= interval) {
      // Entries of the generation before last are more than an interval old: quiet by definition.
      older = recent;
      recent = new Map();
      generationStart = now;
    }
    return recent.get(sessionRef) ?? older.get(sessionRef);
  }

  function markDue(sessionRef: number, marked: Marked): void {
    due.set(sessionRef, marked);
    if (!batchScheduled) {
      batchScheduled = true;
      setImmediate(() => void refreshDue());
    }
  }

  /** The session's window: the cached one if it still matches the store, else read (and cached). */
  async function windowOf(sessionRef: number): Promise<readonly MatchableAction[] | undefined> {
    const key = await repos.sessions.windowKey(sessionRef);
    if (!key) return undefined;
    let actions = deps.windows.get(sessionRef, key.actionCount, key.covered);
    if (!actions) {
      // The key and the rows it describes are read in one transaction, so the cached window matches its key.
      const read = await repos.transaction(async (tx) => {
        const current = await tx.sessions.windowKey(sessionRef);
        return current && { key: current, actions: await tx.actions.latest(sessionRef, current.covered, deps.windowSize) };
      });
      if (!read) return undefined;
      actions = read.actions;
      deps.windows.put(sessionRef, read.key.actionCount, read.key.covered, actions);
    }
    return actions.map((a) => ({ type: a.type, title: a.title, description: a.description, canonical_url: a.canonicalUrl }));
  }

  /** Infers the due sessions' goals and writes the changed ones in one piece of the group commit. */
  async function refreshDue(): Promise<void> {
    batchScheduled = false;
    if (stopped || due.size === 0) return;
    const now = clock.now();
    const updates: { sessionRef: number; marked: Marked; inferred: InferredGoal }[] = [];
    // Taken now: ingests arriving during the reads below mark their sessions for the next batch.
    const batch = [...due];
    due.clear();
    for (const [sessionRef, marked] of batch) {
      recent.set(sessionRef, now);
      try {
        const window = marked.window ?? (await windowOf(sessionRef));
        if (!window) continue;
        const inferred = inferGoal(await deps.workflows.forProduct(marked.productId), window);
        if (inferred) updates.push({ sessionRef, marked, inferred });
      } catch (err) {
        logger.error({ err, sessionId: marked.sessionId }, "session goal inference failed");
      }
    }
    if (updates.length === 0 || stopped) return;
    let changed: typeof updates;
    try {
      changed = await repos.write(async (tx) => {
        const stored: typeof updates = [];
        for (const u of updates) if (await tx.sessions.setGoalIfChanged(u.sessionRef, u.inferred.goal, u.inferred.source)) stored.push(u);
        return stored;
      });
    } catch (error) {
      logger.error({ err: error, sessions: updates.length }, "storing session goals failed");
      return;
    }
    for (const { marked, inferred } of changed) {
      logger.debug({ productId: marked.productId, sessionId: marked.sessionId, source: inferred.source }, "session goal updated");
      const change = { ...inferred, productId: marked.productId, sessionId: marked.sessionId };
      for (const listener of listeners) listener(change);
    }
  }

  return {
    /** The ingest listener: pass it to `ingest.onIngested`. O(1): it only marks the session. */
    onIngested(event: IngestedEvent): void {
      if (stopped) return;
      const ref = event.sessionRef;
      const marked = due.get(ref);
      if (marked) {
        // More than one ingest before the batch: read the window rather than trust either's actions.
        marked.window = undefined;
        return;
      }
      if (waiting.has(ref)) return;
      const now = clock.now();
      const last = lastRefresh(ref, now);
      const base = { productId: event.productId, sessionId: event.sessionId };
      if (last === undefined || now - last >= interval) {
        markDue(ref, event.kind === "actions" && event.newSession ? { ...base, window: event.actions } : base);
        return;
      }
      const timer = startTimer(() => {
        waiting.delete(ref);
        if (!stopped) markDue(ref, base);
      }, interval - (now - last));
      waiting.set(ref, timer);
    },

    /** Hears every goal change once it is stored. Returns the unsubscribe function. */
    onChanged(listener: GoalListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** Cancels pending refreshes (before the database closes). */
    stop(): void {
      stopped = true;
      for (const timer of waiting.values()) clearTimeout(timer);
      waiting.clear();
      due.clear();
      recent.clear();
      older.clear();
    },
  };
}

export type GoalTracker = ReturnType<typeof createGoalTracker>;

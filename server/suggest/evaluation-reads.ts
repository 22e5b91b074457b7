/**
 * What one evaluation reads before it decides, read once: the session, its latest summary, and its
 * unsummarised actions — all of them when the oldest are due to be folded into a rolling summary (the window
 * cache's newest ones plus a read of those before them), else only the window, usually from the window cache.
 */
import type { StoredAction } from "../../db/action.repository.js";
import type { RepositoryPorts } from "../../db/store.js";
import type { Session } from "../../db/session.repository.js";
import type { StoredSummary } from "../../db/summary.repository.js";
import type { WindowCache } from "../sessions/window-cache.js";

export interface EvaluationReads {
  session: Session;
  summary: StoredSummary | null;
  /** The oldest unsummarised actions, to fold into a new summary (empty: under the threshold). */
  toFold: StoredAction[];
  /** The context window once `toFold` is folded: the newest unsummarised actions after it, oldest first. */
  window: StoredAction[];
}

/** Call inside a transaction: the reads must agree with each other. */
export async function readForEvaluation(
  repos: RepositoryPorts,
  windows: WindowCache,
  sessionRef: number,
  windowSize: number,
  foldCount: (pending: number) => number,
): Promise<EvaluationReads | undefined> {
  const session = await repos.sessions.findById(sessionRef);
  if (!session) return undefined;
  const summary = await repos.summaries.latest(sessionRef) ?? null;
  const covered = summary?.coversThroughActionId ?? 0;
  // Without a summary every action is unsummarised: no need to count them.
  const pending = summary ? await repos.actions.countAfter(sessionRef, covered) : session.actionCount;
  const folding = foldCount(pending);
  if (folding <= 0) {
    let window = windows.get(sessionRef, session.actionCount, covered);
    if (!window) {
      window = await repos.actions.latest(sessionRef, covered, windowSize);
      windows.put(sessionRef, session.actionCount, covered, window);
    }
    return { session, summary, toFold: [], window };
  }
  // A cached window holds the newest `windowSize` unsummarised actions: only the ones before it are read back
  // (none when there are no more than that).
  let cached = windows.get(sessionRef, session.actionCount, covered);
  if (cached?.length !== Math.min(pending, windowSize)) cached = undefined;
  const older = pending - (cached?.length ?? 0);
  const read = older > 0 ? await repos.actions.oldest(sessionRef, covered, older) : [];
  const unsummarised = cached ? read.concat(cached) : read;
  const rest = unsummarised.slice(folding);
  return { session, summary, toFold: unsummarised.slice(0, folding), window: rest.slice(Math.max(0, rest.length - windowSize)) };
}

/** The summary a fold will store, as the window sees it before the commit. */
export function provisionalSummary(session: Session, previous: StoredSummary | null, fold: { text: string; folded: number; coversThroughActionId: number }, now: number): StoredSummary {
  return {
    id: 0,
    sessionRef: session.id,
    text: fold.text,
    replaces: (previous?.replaces ?? 0) + fold.folded,
    coversThroughActionId: fold.coversThroughActionId,
    source: "rolling",
    forwardedAt: null,
    createdAt: now,
  };
}

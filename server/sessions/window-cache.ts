/**
 * The context windows of recently active sessions, kept in memory and extended by every committed ingest, so
 * an evaluation or a goal refresh rarely reads a session's actions back from SQLite ("the window read once,
 * incrementally where possible").
 *
 * A cached window is only ever used while it provably matches the store: the session's action count and its
 * summary coverage (both read from the store by the caller) must be the ones the cache saw. Any other writer —
 * another instance, a pushed summary, retention — therefore makes it miss, never lie; the caller then reads
 * the window and puts it back. Bounded by the number of actions held: the sessions least recently extended
 * (by an ingest, a fold or a window read from the store) are forgotten first.
 */
import type { StoredAction } from "../../db/action.repository.js";
import type { IngestedEvent } from "../ingest/ingest-event.js";
import { createSessionActionsLru } from "./session-actions-lru.js";

export interface WindowCacheOptions {
  /** CONTEXT_WINDOW_ACTIONS: how many of a session's newest unsummarised actions a window holds. */
  windowSize: number;
  /** Actions held at most, over all sessions (a window holds up to `windowSize`). */
  maxActions: number;
}

interface Entry {
  /** The session's action count the window reflects. */
  count: number;
  /** Its summary coverage (the last action folded into a summary; 0 for none). */
  covered: number;
  /** The window, oldest first, at most `windowSize`. */
  actions: StoredAction[];
}

export function createWindowCache(options: WindowCacheOptions) {
  const entries = createSessionActionsLru<Entry>({ maxActions: options.maxActions });
  const remember = entries.set;
  const forget = entries.forget;

  const trim = (actions: StoredAction[]) => (actions.length > options.windowSize ? actions.slice(actions.length - options.windowSize) : actions);

  return {
    /** The ingest listener: extends the windows it knows (and starts one for a new session). */
    onIngested(event: IngestedEvent): void {
      if (event.kind === "summary") {
        forget(event.sessionRef);
        return;
      }
      if (event.newSession) {
        remember(event.sessionRef, { count: event.stored.length, covered: 0, actions: trim(event.stored) });
        return;
      }
      const entry = entries.peek(event.sessionRef);
      if (entry) remember(event.sessionRef, { ...entry, count: entry.count + event.stored.length, actions: trim([...entry.actions, ...event.stored]) });
    },

    /**
     * The window, if the cache's copy matches the session's `actionCount` and summary coverage `covered`. A read
     * leaves the session where it was in the order: recency is its last ingest. Reads made it the most recently
     * used before, so with many new sessions the windows just evaluated (whose sessions may never act again)
     * pushed out those of the sessions created after them, still waiting for their first evaluation — a fifth
     * of the evaluations on the new-session ingest bench read their window back.
     */
    get(sessionRef: number, actionCount: number, covered: number): StoredAction[] | undefined {
      const entry = entries.peek(sessionRef);
      if (!entry) return undefined;
      if (entry.count !== actionCount || entry.covered !== covered) {
        forget(sessionRef);
        return undefined;
      }
      return entry.actions;
    },

    /**
     * A window just read from the store (the newest `windowSize` actions after `covered`), kept only when
     * there is room: evicting for it would push out the windows of the sessions created just before — the
     * next ones to be evaluated — and each of those misses would evict the next, and so on.
     */
    put(sessionRef: number, actionCount: number, covered: number, actions: readonly StoredAction[]): void {
      if (entries.held() - (entries.peek(sessionRef)?.actions.length ?? 0) + Math.min(actions.length, options.windowSize) > options.maxActions) return;
      remember(sessionRef, { count: actionCount, covered, actions: trim([...actions]) });
    },

    /** A rolling summary now covers the session's actions through `covered`: they leave the window. */
    folded(sessionRef: number, covered: number): void {
      const entry = entries.peek(sessionRef);
      if (entry) remember(sessionRef, { ...entry, covered, actions: entry.actions.filter((a) => a.id > covered) });
    },

    stats: entries.stats,
  };
}

export type WindowCache = ReturnType<typeof createWindowCache>;

/**
 * The actions user memory has not yet synced, kept in memory from the committed ingests that stored them, so a
 * sync rarely reads back what was just written (it did, for every busy session every second).
 *
 * A session's entry says where its last sync stopped (`throughId`, and how many actions the session had
 * then) and holds the actions committed since. It is used only while it provably matches the store: the
 * session's attempt cursor must stop at `throughId`, and the count then plus the actions held (plus any read
 * after them) must be the session's action count now (memory-service.ts checks). Anything this process did
 * not hear — another instance's ingest, a sync that rolled back, an entry forgotten — makes it miss, never
 * lie; the sync then reads the actions and starts the entry afresh. Bounded: the least recently used sessions
 * are forgotten first.
 */
import type { StoredAction } from "../../db/action.repository.js";
import { createSessionActionsLru } from "../sessions/session-actions-lru.js";

export interface UnsyncedActionsOptions {
  /** Sessions remembered at most. */
  maxSessions: number;
  /** Actions held at most, over all sessions. */
  maxActions: number;
}

interface Entry {
  /** The last action the session's last sync took in (0: never synced). */
  throughId: number;
  /** The session's action count when that sync ran: every one of them had an id up to `throughId`. */
  countThrough: number;
  /** The session's actions committed since, oldest first. */
  actions: StoredAction[];
}

export function createUnsyncedActions(options: UnsyncedActionsOptions) {
  const entries = createSessionActionsLru<Entry>(options);

  return {
    /**
     * A commit stored `stored` for the session. A new session's entry starts here (these are all its actions);
     * an existing session's is extended only if it is already known, since only a sync can say where it starts.
     */
    committed(sessionRef: number, newSession: boolean, stored: readonly StoredAction[]): void {
      if (newSession) {
        entries.set(sessionRef, { throughId: 0, countThrough: 0, actions: [...stored] });
        return;
      }
      const entry = entries.peek(sessionRef);
      if (!entry) return;
      // A sync in the same commit may already have read these.
      entries.append(sessionRef, stored.filter((a) => a.id > entry.throughId));
    },

    /**
     * What this process holds of the session's actions after `cursorId` (its attempt cursor; 0 when it has
     * none): a copy of the actions committed since the sync that stopped there, and how many the session had
     * then. The caller checks them against the session's action count read in its own transaction.
     */
    after(sessionRef: number, cursorId: number): { countThrough: number; actions: StoredAction[] } | undefined {
      const entry = entries.peek(sessionRef);
      if (!entry || entry.throughId !== cursorId) return undefined;
      return { countThrough: entry.countThrough, actions: entry.actions.slice() };
    },

    /**
     * A sync took in the session's actions through `throughId`, and the session had `actionCount` then. Holds
     * only if the sync commits: otherwise the cursor stays behind `throughId` and the entry never matches.
     */
    synced(sessionRef: number, throughId: number, actionCount: number): void {
      entries.set(sessionRef, { throughId, countThrough: actionCount, actions: [] });
    },

    forget: entries.forget,

    stats: entries.stats,
  };
}

export type UnsyncedActions = ReturnType<typeof createUnsyncedActions>;

/**
 * The bookkeeping of the in-memory caches of sessions' actions beside the store (the window cache, user
 * memory's unsynced actions): one entry per session, least recently used first out, bounded by the actions
 * held over all entries and, optionally, by the number of sessions. The entry just set is never forgotten for
 * its own size: each cache bounds its entries itself (a window by its size, unsynced actions by the sync that
 * empties them every round).
 */
import type { StoredAction } from "../../db/action.repository.js";

export function createSessionActionsLru<E extends { actions: StoredAction[] }>(limits: { maxActions: number; maxSessions?: number }) {
  // A Map iterates in insertion order: re-inserting on every set or append keeps the least recently used first.
  const entries = new Map<number, E>();
  const maxSessions = limits.maxSessions ?? Number.POSITIVE_INFINITY;
  let held = 0;

  function forget(sessionRef: number): void {
    const entry = entries.get(sessionRef);
    if (!entry) return;
    held -= entry.actions.length;
    entries.delete(sessionRef);
  }

  function evict(): void {
    while ((held > limits.maxActions || entries.size > maxSessions) && entries.size > 1) forget(entries.keys().next().value!);
  }

  return {
    /** The entry, as it is (its place in the order unchanged). */
    peek: (sessionRef: number): E | undefined => entries.get(sessionRef),
    /** Puts or replaces the session's entry as the most recently used; the least recently used go past the bounds. */
    set(sessionRef: number, entry: E): void {
      forget(sessionRef);
      entries.set(sessionRef, entry);
      held += entry.actions.length;
      evict();
    },
    /** Appends to a known session's actions in place (no copy per commit), making it the most recently used. */
    append(sessionRef: number, more: readonly StoredAction[]): void {
      const entry = entries.get(sessionRef);
      if (!entry || more.length === 0) return;
      for (const a of more) entry.actions.push(a);
      held += more.length;
      entries.delete(sessionRef);
      entries.set(sessionRef, entry);
      evict();
    },
    forget,
    /** Actions held now, over all entries. */
    held: (): number => held,
    stats: (): { sessions: number; actions: number } => ({ sessions: entries.size, actions: held }),
  };
}

/**
 * User memory's write side: turns each session's new actions into workflow attempts (attempt-tracker.ts),
 * off the ingest path. Committed ingests only mark their session dirty; a batched job then syncs the dirty
 * sessions once a second, BATCH_SIZE at a time, each batch one piece of the group commit. The suggestion engine syncs the session it is
 * about to evaluate first, so a decision always sees its latest attempts. A sweep marks attempts nobody
 * touched for MEMORY_ABANDON_AFTER_MS as abandoned (readers treat them so already: knowledge-state.ts).
 *
 * Each session is tracked against its own product's workflows (the catalog's `forProduct`), never another's.
 */
import type { AttemptWithSteps } from "../../db/attempt.repository.js";
import type { StoredAction } from "../../db/action.repository.js";
import type { Session } from "../../db/session.repository.js";
import type { RepositoryPorts, Store } from "../../db/store.js";
import type { Clock } from "../clock.js";
import type { IngestedEvent } from "../ingest/ingest-event.js";
import type { Logger } from "../logger.js";
import type { WorkflowSource } from "../workflows/workflow-catalog.js";
import { isCurrentAttempt } from "../workflows/workflow-version.js";
import { emptyScan, restoreScan, summariseAttempt, trackActions, type ScanState, type TrackedAction, type TrackedAttempt, type TrackerOptions } from "./attempt-tracker.js";
import { memoryScopeOf, type MemoryScope } from "./memory-scope.js";
import { createUnsyncedActions } from "./unsynced-actions.js";

export interface MemoryServiceDeps {
  /** The store: a batch is one piece of its group commit (`write`). */
  repos: Store;
  clock: Clock;
  logger: Logger;
  tracker: TrackerOptions;
  workflows: WorkflowSource;
  /** How soon after an ingest its session is synced (the round collects what arrives meanwhile); default 1 s. */
  flushDelayMs?: number;
}

/** Sessions per batch: small, so no one batch holds the group commit (and the requests answered by it) for long. */
const BATCH_SIZE = 20;
/**
 * A round a second, not more often: a busy session is synced once per round, so the fixed cost of a sync (its
 * cursor, attempts and a write) is paid once a second rather than on every few actions. An evaluation syncs
 * its session first anyway, so decisions never wait for a round.
 */
const ROUND_MS = 1000;
const ACTIONS_PER_READ = 500;
const SWEEP_INTERVAL_MS = 60_000;
const SWEEP_BATCH = 500;
/** Unsynced actions held in memory (unsynced-actions.ts): a few seconds of a busy instance's ingests. */
const UNSYNCED_SESSIONS = 20_000;
const UNSYNCED_ACTIONS = 50_000;

const toTrackedAction = (a: StoredAction): TrackedAction => ({
  id: a.id, type: a.type, title: a.title, description: a.description, canonicalUrl: a.canonicalUrl, receivedAt: a.receivedAt, timestampStart: a.timestampStart,
});

const toTrackedAttempt = (a: AttemptWithSteps): TrackedAttempt => ({
  id: a.id, workflowId: a.workflowId, workflowVersion: a.workflowVersion, outcome: a.outcome, steps: a.steps, failedSubmits: a.failedSubmits, rageClicks: a.rageClicks, dwells: a.dwells,
  longestDwellMs: a.longestDwellMs, lastIssueCode: a.lastIssueCode, lastIssue: a.lastIssue, startedAt: a.startedAt, progressedAt: a.progressedAt,
  updatedAt: a.updatedAt, endedAt: a.endedAt, dirty: false,
});

export function createMemoryService(deps: MemoryServiceDeps) {
  const { repos, clock, logger } = deps;
  const dirty = new Set<number>();
  /** The actions committed since each session's last sync, so a sync need not read them back. */
  const unsynced = createUnsyncedActions({ maxSessions: UNSYNCED_SESSIONS, maxActions: UNSYNCED_ACTIONS });
  let flushTimer: NodeJS.Timeout | undefined;
  let lastSweep = 0;
  let closed = false;

  /**
   * Every action of the session after `cursorId`, from memory when it holds them: those committed since the
   * last sync, plus any of this transaction's group not yet announced (read after them). Undefined unless the
   * count proves it is all of them: `actionCount`, read in the same transaction, must be the count at the last
   * sync plus what is returned (see unsynced-actions.ts).
   */
  async function heldActions(repos: RepositoryPorts, sessionRef: number, cursorId: number, actionCount: number): Promise<StoredAction[] | undefined> {
    const held = unsynced.after(sessionRef, cursorId);
    if (!held) return undefined;
    const missing = actionCount - held.countThrough - held.actions.length;
    if (missing === 0) return held.actions;
    if (missing < 0 || missing > ACTIONS_PER_READ) return undefined;
    const tail = await repos.actions.oldest(sessionRef, held.actions.at(-1)?.id ?? cursorId, missing + 1);
    return tail.length === missing ? held.actions.concat(tail) : undefined;
  }

  /**
   * Brings one session's attempts up to date with its stored actions, through the transaction `repos`. `read`:
   * the session as already read in that same transaction.
   */
  async function syncOne(repos: RepositoryPorts, sessionRef: number, read?: Session): Promise<void> {
    const session = read ?? (await repos.sessions.findById(sessionRef));
    if (!session) return;
    const workflows = await deps.workflows.forProduct(session.productId, repos);
    // Nothing to track where the product has no workflows: a session never synced under one is left without a
    // cursor (no write per session, and no turn to take), so a workflow published later takes in everything the
    // session has done.
    if (workflows.length === 0 && !(await repos.attempts.cursor(sessionRef))) {
      unsynced.forget(sessionRef);
      return;
    }
    // On PostgreSQL the batch's sync and an evaluation's can run at once for one session, in two transactions:
    // without taking turns, the one that read first could commit last and put older attempts back.
    await repos.attempts.holdForSync(sessionRef);
    const cursor = await repos.attempts.cursor(sessionRef);
    // An anonymous session's visitor may have signed in since: its attempts become the owner's.
    const scope: MemoryScope = memoryScopeOf(session);
    const rescoped = cursor !== undefined && (cursor.scopeKind !== scope.kind || cursor.scopeId !== scope.id);
    if (rescoped) await repos.attempts.rescopeSession(sessionRef, scope.kind, scope.id);

    let after = cursor?.lastActionId ?? 0;
    const scan: ScanState = cursor ? restoreScan(cursor.scan) : emptyScan();
    let attempts: TrackedAttempt[] | undefined;
    // All of them at once when held in memory (then the loop ends after it), else read ACTIONS_PER_READ at a time.
    const known = await heldActions(repos, sessionRef, after, session.actionCount);
    for (;;) {
      const batch = known ?? await repos.actions.oldest(sessionRef, after, ACTIONS_PER_READ);
      if (batch.length > 0) {
        // Without workflows no attempt can move (only current ones are written): none are read.
        attempts ??= workflows.length === 0 ? [] : (await repos.attempts.ofSession(sessionRef)).map(toTrackedAttempt);
        trackActions(workflows, attempts, scan, batch.map(toTrackedAction), deps.tracker);
        after = batch.at(-1)!.id;
      }
      if (known || batch.length < ACTIONS_PER_READ) break;
    }
    // Every action the session had in this transaction is now taken in (only ever used once the cursor commits).
    unsynced.synced(sessionRef, after, session.actionCount);
    if (!attempts && !rescoped) return;

    const byId = new Map(workflows.map((w) => [w.id, w]));
    for (const a of attempts ?? []) {
      const w = byId.get(a.workflowId);
      if (!a.dirty || !w || !isCurrentAttempt(a, byId)) continue;
      const record = {
        productId: session.productId, sessionRef, scopeKind: scope.kind, scopeId: scope.id, workflowId: a.workflowId, workflowVersion: a.workflowVersion,
        ...summariseAttempt(a, w),
        outcome: a.outcome, failedSubmits: a.failedSubmits, rageClicks: a.rageClicks, dwells: a.dwells, longestDwellMs: a.longestDwellMs,
        lastIssueCode: a.lastIssueCode, lastIssue: a.lastIssue, startedAt: a.startedAt, progressedAt: a.progressedAt, updatedAt: a.updatedAt, endedAt: a.endedAt,
      };
      if (a.id === null) a.id = await repos.attempts.insert(record);
      else await repos.attempts.update({ id: a.id, ...record });
      await repos.attempts.replaceSteps(a.id, a.steps);
    }
    await repos.attempts.saveCursor({
      sessionRef, productId: session.productId, scopeKind: scope.kind, scopeId: scope.id, lastActionId: after, scan: JSON.stringify(scan), updatedAt: clock.now(),
    });
  }

  async function sweep(repos: RepositoryPorts, now: number): Promise<void> {
    lastSweep = now;
    while (await repos.attempts.abandonQuiet(now - deps.tracker.abandonAfterMs, SWEEP_BATCH) === SWEEP_BATCH) {
      // Keep going: each round is one short statement.
    }
  }

  /** The sessions of the current round (marked before it began), worked off BATCH_SIZE per turn. */
  let round: number[] = [];

  /** Starts a round: every session marked so far is synced once; marks from now on wait for the next round. */
  function flush(): void {
    flushTimer = undefined;
    // In session order: batches of two instances take their sessions' sync turns in one order, never crosswise.
    round = [...dirty].sort((a, b) => a - b);
    dirty.clear();
    syncBatch();
  }

  /** Batches written and not yet committed: close() waits for them. */
  const inFlight = new Set<Promise<void>>();

  function syncBatch(): Promise<void> {
    flushTimer = undefined;
    const batch = round.splice(0, BATCH_SIZE);
    const work = async (tx: RepositoryPorts) => {
      for (const ref of batch) await syncOne(tx, ref);
      const now = clock.now();
      if (now - lastSweep >= SWEEP_INTERVAL_MS) await sweep(tx, now);
    };
    // Nothing is lost when a batch fails: the cursors did not move, so the next sync of these sessions redoes the work.
    const failed = (err: unknown) => logger.error({ err, sessions: batch.length }, "user memory sync failed");
    const written = repos.write(work).catch(failed);
    inFlight.add(written);
    void written.finally(() => inFlight.delete(written));
    if (closed) return written;
    if (round.length > 0) flushTimer = setTimeout(syncBatch, 0);
    else if (dirty.size > 0) flushTimer = setTimeout(flush, deps.flushDelayMs ?? ROUND_MS);
    flushTimer?.unref();
    return written;
  }

  function schedule(): void {
    flushTimer ??= setTimeout(flush, deps.flushDelayMs ?? ROUND_MS);
    flushTimer.unref();
  }

  return {
    /** The ingest listener: a session with new actions is synced by the next batch. */
    onIngested(event: IngestedEvent): void {
      if (event.kind !== "actions" || closed) return;
      unsynced.committed(event.sessionRef, event.newSession, event.stored);
      dirty.add(event.sessionRef);
      schedule();
    },

    /** Syncs one session now, as a job of the store (on SQLite a piece of the next group commit). */
    async syncSession(sessionRef: number): Promise<void> {
      dirty.delete(sessionRef);
      await repos.job((tx) => syncOne(tx, sessionRef));
    },

    /**
     * Syncs one session inside a transaction the caller holds (an evaluation's reads, a job of the store), with
     * the session as read there.
     */
    syncIn(tx: RepositoryPorts, session: Session): Promise<void> {
      dirty.delete(session.id);
      return syncOne(tx, session.id, session);
    },

    /** Marks quiet attempts abandoned now (tests, and the job every minute). */
    sweep: (): Promise<void> => repos.transaction((tx) => sweep(tx, clock.now())),

    /** Stops the job after syncing what is pending; call before the database closes. */
    async close(): Promise<void> {
      closed = true;
      clearTimeout(flushTimer);
      for (const ref of round) dirty.add(ref);
      round = [];
      while (dirty.size > 0) {
        round = [...dirty].sort((a, b) => a - b);
        dirty.clear();
        while (round.length > 0) await syncBatch();
      }
      await Promise.all([...inFlight]);
    },
  };
}

export type MemoryService = ReturnType<typeof createMemoryService>;

/**
 * The one ingest use case every source goes through (push webhook, connector stream, capture, PostHog).
 * It commits the event's new actions (or summary) in the group commit and only then answers and tells
 * listeners, so a 2xx — or a stream frame — always describes data that is already in SQLite. Listeners
 * run after the commit's answers and must stay cheap: queue work, never do it (goals, suggestions).
 */
import type { NewAction, StoredAction } from "../../db/action.repository.js";
import type { Store, Transaction } from "../../db/store.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { claimSession, ownerForIngest } from "../sessions/session-ownership.js";
import type { ActionsPayload, AutoplayEvent, SlimAction, SummaryPayload } from "./autoplay.schema.js";
import { recordedTimes } from "./client-time.js";
import { actionDedupeKey, summaryDedupeKey } from "./dedupe-key.js";
import { outboundActionsEvent, outboundSummaryEvent } from "./outbound-event.js";

export type IngestSource = "push" | "connector" | "capture" | "posthog";

export interface IngestResult {
  accepted: number;
  duplicates: number;
}

interface IngestedBase {
  productId: string;
  sessionRef: number;
  sessionId: string;
  source: IngestSource;
  /** Id of the event's entry in the outbound event log (the SSE event id). */
  logId: number;
  /** The event JSON as the outbound stream sends it. */
  data: string;
}

/** What listeners (scheduler, outbound stream, goals) hear after a commit that stored something. */
export type IngestedEvent =
  | (IngestedBase & {
      kind: "actions";
      actionIds: number[];
      /** The newly stored actions, parallel to `actionIds`: as received, and as stored. */
      actions: SlimAction[];
      stored: StoredAction[];
      /** The session was created by this ingest: these actions are all it has. */
      newSession: boolean;
    })
  | (IngestedBase & { kind: "summary"; summaryId: number });

export type IngestListener = (event: IngestedEvent) => void;

/** Called once the write holding the ingest has committed (or failed). */
export type CommitCallback<T> = (error: unknown, result: T | undefined) => void;

export interface IngestDeps {
  /** The store; its group commit (`write`) holds every ingest. */
  repos: Store;
  clock: Clock;
  logger: Logger;
  /** CLIENT_CLOCK_SKEW_MS: how far into the future a sender's timestamp is believed. */
  maxClockSkewMs: number;
}

/** An inserted row as a read would return it. */
function storedAction(row: NewAction, id: number): StoredAction {
  return {
    id, sessionRef: row.sessionRef, batchIndex: row.batchIndex, type: row.type, title: row.title, description: row.description,
    canonicalUrl: row.canonicalUrl, rawUrl: row.rawUrl, timestampStart: row.timestampStart, timestampEnd: row.timestampEnd,
    userId: row.userId, email: row.email, conversationId: row.conversationId, source: row.source, receivedAt: row.receivedAt,
  };
}

export function createIngestService(deps: IngestDeps) {
  const { repos, clock, logger } = deps;
  const listeners = new Set<IngestListener>();
  /** Events committed by the group being written, announced once it has committed. */
  let committed: IngestedEvent[] = [];

  async function storeActions(tx: Transaction, productId: string, p: ActionsPayload, source: IngestSource, verifiedOwner: string | null | undefined, now: number) {
    const existing = await tx.sessions.idByKey(productId, p.session_id);
    if (existing === undefined && p.actions.length === 0) return { sessionRef: 0, newSession: false, actionIds: [] as number[], positions: [] as number[], rows: [] as StoredAction[] };
    const sessionRef =
      existing ?? (await tx.sessions.touch({ productId, sessionKey: p.session_id, userId: p.user_id, email: p.email, now }));
    // Refused (the whole job rolls back) when the session belongs to another user.
    const owner = ownerForIngest(source, p.user_id, verifiedOwner);
    if (owner !== null) await claimSession(tx, { productId, sessionRef, ownerId: owner, now });
    const rows: NewAction[] = p.actions.map((a) => ({
        sessionRef,
        dedupeKey: actionDedupeKey(a, p.forwarded_at),
        batchIndex: a.index,
        type: a.type,
        title: a.title,
        description: a.description,
        canonicalUrl: a.canonical_url,
        rawUrl: a.raw_url,
        ...recordedTimes(a, now, deps.maxClockSkewMs),
        userId: a.user_id ?? p.user_id,
        email: a.email ?? p.email,
        conversationId: a.conversation_id ?? p.conversation_id,
        source,
        receivedAt: now,
      }));
    const stored = await tx.actions.insertNew(rows);
    const actionIds = stored.map((s) => s.id);
    // A fully duplicate delivery writes nothing at all, not even "last seen".
    if (actionIds.length > 0) {
      await tx.sessions.recordActivity(sessionRef, { userId: p.user_id, email: p.email, now, added: actionIds.length });
    }
    return {
      sessionRef,
      newSession: existing === undefined,
      actionIds,
      positions: stored.map((s) => s.position),
      rows: stored.map(({ position, id }) => storedAction(rows[position]!, id)),
    };
  }

  async function storeSummary(tx: Transaction, productId: string, s: SummaryPayload, source: IngestSource, now: number) {
    const sessionRef = await tx.sessions.touch({ productId, sessionKey: s.session_id, userId: null, email: null, now });
    const previous = await tx.summaries.latest(sessionRef);
    // `replaces` counts the session's actions from its start that the summary stands in for.
    const covers = Math.max(previous?.coversThroughActionId ?? 0, await tx.actions.idOfNth(sessionRef, s.replaces));
    const summaryId = await tx.summaries.insert({
      sessionRef,
      dedupeKey: summaryDedupeKey(s),
      text: s.summary,
      replaces: s.replaces,
      coversThroughActionId: covers,
      source,
      forwardedAt: s.forwarded_at || null,
      createdAt: now,
    });
    return { sessionRef, summaryId };
  }

  function announce(): void {
    const events = committed;
    committed = [];
    for (const event of events) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (err) {
          // A listener bug must never turn an acknowledged ingest into an error.
          logger.error({ err, kind: event.kind }, "ingest listener failed");
        }
      }
    }
  }

  /**
   * Validates counts, stores, appends the outbound log entry, and says what listeners should hear. Runs inside
   * the group transaction, so the log entry commits (or rolls back) together with what it describes.
   */
  async function store(tx: Transaction, productId: string, event: AutoplayEvent, source: IngestSource, owner: string | null | undefined): Promise<{ result: IngestResult; event?: IngestedEvent }> {
    const now = clock.now();
    if (event.type === "actions") {
      if (event.claimed_count !== null && event.claimed_count !== event.actions.length) {
        logger.warn(
          { productId, sessionId: event.session_id, claimed: event.claimed_count, actual: event.actions.length, source },
          "actions payload count disagrees with its actions; using the real length",
        );
      }
      const { sessionRef, newSession, actionIds, positions, rows } = await storeActions(tx, productId, event, source, owner, now);
      const result = { accepted: actionIds.length, duplicates: event.actions.length - actionIds.length };
      if (actionIds.length === 0) return { result };
      const actions = positions.length === event.actions.length ? event.actions : positions.map((i) => event.actions[i]!);
      const data = outboundActionsEvent(productId, event, actions);
      const logId = await tx.eventLog.append({ productId, sessionKey: event.session_id, kind: "actions", data, createdAt: now });
      return {
        result,
        event: { kind: "actions", productId, sessionRef, sessionId: event.session_id, source, logId, data, actionIds, actions, stored: rows, newSession },
      };
    }
    const { sessionRef, summaryId } = await storeSummary(tx, productId, event, source, now);
    if (summaryId === undefined) return { result: { accepted: 0, duplicates: 1 } };
    const data = outboundSummaryEvent(productId, event);
    const logId = await tx.eventLog.append({ productId, sessionKey: event.session_id, kind: "summary", data, createdAt: now });
    return {
      result: { accepted: 1, duplicates: 0 },
      event: { kind: "summary", productId, sessionRef, sessionId: event.session_id, source, logId, data, summaryId },
    };
  }

  /**
   * Stores in the next group commit; `done` hears the result once it is committed. `owner`: the user the edge
   * verified (or null: nobody); undefined: the source decides (a trusted source's `user_id` owns the session).
   */
  function submit(productId: string, event: AutoplayEvent, source: IngestSource, owner: string | null | undefined, done: CommitCallback<IngestResult>): void {
    repos.write((tx) => store(tx, productId, event, source, owner)).then(
      (outcome) => {
        if (outcome.event) {
          // Announced once every ingest of this commit has been answered: the group's pieces settle in one
          // loop, so their continuations are all queued before this one.
          if (committed.length === 0) queueMicrotask(announce);
          committed.push(outcome.event);
        }
        done(undefined, outcome.result);
      },
      (error: unknown) => done(error ?? new Error("ingest failed"), undefined),
    );
  }

  return {
    /**
     * Stores the event's new content; duplicates are counted, not stored. Resolves once the content is
     * committed to the store. `owner`: the user the edge verified (or null: nobody); when not given, the
     * source decides (a trusted source's `user_id` owns the session). Rejects with OwnerConflictError,
     * storing nothing, when the session belongs to another user.
     */
    ingest(productId: string, event: AutoplayEvent, source: IngestSource, owner?: string | null): Promise<IngestResult> {
      return new Promise<IngestResult>((resolve, reject) => {
        submit(productId, event, source, owner, (error, result) => (error === undefined ? resolve(result!) : reject(error)));
      });
    },

    /** `ingest` with a callback instead of a promise (the push webhook's hot path). */
    submit,

    /** Subscribes to committed ingests; returns the unsubscribe function. */
    onIngested(listener: IngestListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type IngestService = ReturnType<typeof createIngestService>;

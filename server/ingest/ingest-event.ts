/**
 * The one ingest use case every source goes through (push webhook, connector stream, capture, PostHog).
 * It commits the event's new actions (or summary) in a single transaction and only then tells listeners,
 * so a 2xx — or a stream frame — always describes data that is already in SQLite.
 */
import type { Repositories } from "../../db/repositories.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { claimSession, ownerForIngest } from "../sessions/session-ownership.js";
import type { ActionsPayload, AutoplayEvent, SummaryPayload } from "./autoplay.schema.js";
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

/** What listeners (scheduler, outbound stream, metrics) hear after a commit that stored something. */
export type IngestedEvent =
  | (IngestedBase & { kind: "actions"; actionIds: number[] })
  | (IngestedBase & { kind: "summary"; summaryId: number });

export type IngestListener = (event: IngestedEvent) => void;

export interface IngestDeps {
  repos: Repositories;
  clock: Clock;
  logger: Logger;
  /** CLIENT_CLOCK_SKEW_MS: how far into the future a sender's timestamp is believed. */
  maxClockSkewMs: number;
}

interface Job {
  productId: string;
  event: AutoplayEvent;
  source: IngestSource;
  /** The owner the edge verified (capture's userHash, an identified PostHog person); undefined: by source. */
  owner: string | null | undefined;
  resolve: (result: IngestResult) => void;
  reject: (error: unknown) => void;
}

export function createIngestService(deps: IngestDeps) {
  const { repos, clock, logger } = deps;
  const listeners = new Set<IngestListener>();

  function storeActions(productId: string, p: ActionsPayload, source: IngestSource, verifiedOwner: string | null | undefined, now: number) {
    const existing = repos.sessions.idByKey(productId, p.session_id);
    if (existing === undefined && p.actions.length === 0) return { sessionRef: 0, actionIds: [] as number[], positions: [] as number[] };
    const sessionRef =
      existing ?? repos.sessions.touch({ productId, sessionKey: p.session_id, userId: p.user_id, email: p.email, now });
    // Refused (the whole job rolls back) when the session belongs to another user.
    const owner = ownerForIngest(source, p.user_id, verifiedOwner);
    if (owner !== null) claimSession(repos, { productId, sessionRef, ownerId: owner, now });
    const stored = repos.actions.insertNew(
      p.actions.map((a) => ({
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
      })),
    );
    const actionIds = stored.map((s) => s.id);
    // A fully duplicate delivery writes nothing at all, not even "last seen".
    if (actionIds.length > 0) {
      repos.sessions.recordActivity(sessionRef, { userId: p.user_id, email: p.email, now, added: actionIds.length });
    }
    return { sessionRef, actionIds, positions: stored.map((s) => s.position) };
  }

  function storeSummary(productId: string, s: SummaryPayload, source: IngestSource, now: number) {
    const sessionRef = repos.sessions.touch({ productId, sessionKey: s.session_id, userId: null, email: null, now });
    const previous = repos.summaries.latest(sessionRef);
    // `replaces` counts the session's actions from its start that the summary stands in for.
    const covers = Math.max(previous?.coversThroughActionId ?? 0, repos.actions.idOfNth(sessionRef, s.replaces));
    const summaryId = repos.summaries.insert({
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

  function notify(event: IngestedEvent): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        // A listener bug must never turn an acknowledged ingest into an error.
        logger.error({ err, kind: event.kind }, "ingest listener failed");
      }
    }
  }

  /**
   * Validates counts, stores, appends the outbound log entry, and says what listeners should hear. Runs inside
   * the group transaction, so the log entry commits (or rolls back) together with what it describes.
   */
  function store(job: Job): { result: IngestResult; event?: IngestedEvent } {
    const { productId, event, source, owner } = job;
    const now = clock.now();
    if (event.type === "actions") {
      if (event.claimed_count !== null && event.claimed_count !== event.actions.length) {
        logger.warn(
          { productId, sessionId: event.session_id, claimed: event.claimed_count, actual: event.actions.length, source },
          "actions payload count disagrees with its actions; using the real length",
        );
      }
      const { sessionRef, actionIds, positions } = storeActions(productId, event, source, owner, now);
      const result = { accepted: actionIds.length, duplicates: event.actions.length - actionIds.length };
      if (actionIds.length === 0) return { result };
      const data = outboundActionsEvent(productId, event, positions.map((i) => event.actions[i]!));
      const logId = repos.eventLog.append({ productId, sessionKey: event.session_id, kind: "actions", data, createdAt: now });
      return {
        result,
        event: { kind: "actions", productId, sessionRef, sessionId: event.session_id, source, logId, data, actionIds },
      };
    }
    const { sessionRef, summaryId } = storeSummary(productId, event, source, now);
    if (summaryId === undefined) return { result: { accepted: 0, duplicates: 1 } };
    const data = outboundSummaryEvent(productId, event);
    const logId = repos.eventLog.append({ productId, sessionKey: event.session_id, kind: "summary", data, createdAt: now });
    return {
      result: { accepted: 1, duplicates: 0 },
      event: { kind: "summary", productId, sessionRef, sessionId: event.session_id, source, logId, data, summaryId },
    };
  }

  // Group commit: ingests that arrive in the same turn of the event loop share one SQLite transaction,
  // so the fixed cost of a commit is paid once per group instead of once per request. Each job runs in
  // its own savepoint, so one failing job rolls back alone. Nobody is answered before the commit.
  let queue: Job[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const jobs = queue;
    queue = [];
    const outcomes: ({ ok: true; result: IngestResult; event?: IngestedEvent } | { ok: false; error: unknown })[] = [];
    try {
      repos.transaction(() => {
        for (const job of jobs) {
          try {
            outcomes.push({ ok: true, ...repos.transaction(() => store(job)) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the group is stored.
      logger.error({ err: error, jobs: jobs.length }, "ingest commit failed");
      for (const job of jobs) job.reject(error);
      return;
    }
    jobs.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.result);
      else job.reject(outcome.error);
    });
    for (const outcome of outcomes) if (outcome.ok && outcome.event) notify(outcome.event);
  }

  return {
    /**
     * Stores the event's new content; duplicates are counted, not stored. Resolves once the content is
     * committed to SQLite. `owner`: the user the edge verified (or null: nobody); when not given, the
     * source decides (a trusted source's `user_id` owns the session). Rejects with OwnerConflictError,
     * storing nothing, when the session belongs to another user.
     */
    ingest(productId: string, event: AutoplayEvent, source: IngestSource, owner?: string | null): Promise<IngestResult> {
      return new Promise<IngestResult>((resolve, reject) => {
        queue.push({ productId, event, source, owner, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },

    /** Subscribes to committed ingests; returns the unsubscribe function. */
    onIngested(listener: IngestListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type IngestService = ReturnType<typeof createIngestService>;

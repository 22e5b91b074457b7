/**
 * The PostHog use case: map each delivered event, group the actions by session (in delivery order),
 * run each group through the raw-event pipeline and the one ingest use case. All groups are queued in
 * the same turn, so they share one group commit; the result is known only after it.
 *
 * A group whose identified person differs from the session's owner is refused by the ingest use case
 * (never merged into another user's session); its events count as dropped and the others are stored,
 * as a webhook destination expects of one event among many it cannot do anything about.
 */
import type { Clock } from "../../clock.js";
import { ValidationError, type IssueDetail } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { OwnerConflictError } from "../../sessions/session-ownership.js";
import type { IngestResult, IngestService } from "../ingest-event.js";
import { describeIssues } from "../parse-event.js";
import { rawEventsToPayload } from "../raw-events/build-payload.js";
import type { RawEvent } from "../raw-events/raw-event.schema.js";
import { mapPosthogEvent, posthogFallbackKey } from "./posthog-event.js";
import type { PosthogDelivery } from "./posthog.schema.js";

export interface PosthogIngestResult {
  accepted: number;
  duplicates: number;
  /**
   * Events accepted but not stored: no interaction (`$pageleave`, `$identify`…), or a person other than the
   * one the session belongs to.
   */
  dropped: number;
}

interface SessionGroup {
  userId: string | null;
  owner: string | null;
  email: string | null;
  events: RawEvent[];
}

export interface PosthogIngestDeps {
  ingest: IngestService;
  clock: Clock;
  logger: Logger;
  /** Keys the session of an event without `$session_id` (see posthogFallbackKey). */
  sessionKeySecret: string;
}

export async function ingestPosthogDeliveries(
  deps: PosthogIngestDeps,
  productId: string,
  deliveries: readonly PosthogDelivery[],
  batch: boolean,
): Promise<PosthogIngestResult> {
  const now = deps.clock.now();
  const fallbackKey = posthogFallbackKey(deps.sessionKeySecret, productId);
  const groups = new Map<string, SessionGroup>();
  let dropped = 0;
  const issues: IssueDetail[] = [];
  for (const [i, delivery] of deliveries.entries()) {
    const mapped = mapPosthogEvent(delivery, now, fallbackKey, batch ? `[${i}].event` : "event");
    if (mapped.kind === "dropped") {
      dropped++;
      continue;
    }
    if (mapped.kind === "invalid") {
      issues.push(mapped.issue);
      continue;
    }
    const group = groups.get(mapped.sessionId) ?? { userId: null, owner: null, email: null, events: [] };
    // Two identified persons in one session within a request: the first one's events are kept.
    if (mapped.owner !== null && group.owner !== null && mapped.owner !== group.owner) {
      dropped++;
      continue;
    }
    group.userId ??= mapped.userId;
    group.owner ??= mapped.owner;
    group.email ??= mapped.email;
    group.events.push(mapped.event);
    groups.set(mapped.sessionId, group);
  }
  // Checked before anything is queued, so a request with one bad event stores nothing.
  if (issues.length > 0) throw new ValidationError(describeIssues(issues), issues);

  const results = await Promise.all(
    [...groups].map(([sessionId, g]): Promise<IngestResult | "conflict"> =>
      deps.ingest
        .ingest(productId, rawEventsToPayload({ sessionId, userId: g.userId, email: g.email, forwardedAt: now / 1000, events: g.events }), "posthog", g.owner)
        .catch((err: unknown) => {
          if (!(err instanceof OwnerConflictError)) throw err;
          deps.logger.warn({ productId, sessionId: sessionId.slice(0, 256), events: g.events.length }, "PostHog events of another person than the session's owner; dropped");
          dropped += g.events.length;
          return "conflict";
        }),
    ),
  );
  const stored = results.filter((r): r is IngestResult => r !== "conflict");
  return {
    accepted: stored.reduce((n, r) => n + r.accepted, 0),
    duplicates: stored.reduce((n, r) => n + r.duplicates, 0),
    dropped,
  };
}

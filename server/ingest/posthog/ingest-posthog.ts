/**
 * The PostHog use case: map each delivered event, group the actions by session (in delivery order),
 * run each group through the raw-event pipeline and the one ingest use case. All groups are queued in
 * the same turn, so they share one group commit; the result is known only after it.
 */
import type { Clock } from "../../clock.js";
import { ValidationError, type IssueDetail } from "../../errors.js";
import type { IngestService } from "../ingest-event.js";
import { describeIssues } from "../parse-event.js";
import { rawEventsToPayload } from "../raw-events/build-payload.js";
import type { RawEvent } from "../raw-events/raw-event.schema.js";
import { mapPosthogEvent } from "./posthog-event.js";
import type { PosthogDelivery } from "./posthog.schema.js";

export interface PosthogIngestResult {
  accepted: number;
  duplicates: number;
  /** Events accepted but not stored because they carry no interaction (`$pageleave`, `$identify`…). */
  dropped: number;
}

interface SessionGroup {
  userId: string | null;
  email: string | null;
  events: RawEvent[];
}

export async function ingestPosthogDeliveries(
  deps: { ingest: IngestService; clock: Clock },
  productId: string,
  deliveries: readonly PosthogDelivery[],
  batch: boolean,
): Promise<PosthogIngestResult> {
  const now = deps.clock.now();
  const groups = new Map<string, SessionGroup>();
  let dropped = 0;
  const issues: IssueDetail[] = [];
  for (const [i, delivery] of deliveries.entries()) {
    const mapped = mapPosthogEvent(delivery, now, batch ? `[${i}].event` : "event");
    if (mapped.kind === "dropped") {
      dropped++;
      continue;
    }
    if (mapped.kind === "invalid") {
      issues.push(mapped.issue);
      continue;
    }
    const group = groups.get(mapped.sessionId) ?? { userId: null, email: null, events: [] };
    group.userId ??= mapped.userId;
    group.email ??= mapped.email;
    group.events.push(mapped.event);
    groups.set(mapped.sessionId, group);
  }
  // Checked before anything is queued, so a request with one bad event stores nothing.
  if (issues.length > 0) throw new ValidationError(describeIssues(issues), issues);

  const results = await Promise.all(
    [...groups].map(([sessionId, g]) =>
      deps.ingest.ingest(
        productId,
        rawEventsToPayload({ sessionId, userId: g.userId, email: g.email, forwardedAt: now / 1000, events: g.events }),
        "posthog",
      ),
    ),
  );
  return {
    accepted: results.reduce((n, r) => n + r.accepted, 0),
    duplicates: results.reduce((n, r) => n + r.duplicates, 0),
    dropped,
  };
}

/**
 * Counts per time bucket for the admin charts (GET /v1/admin/stats), scoped by product.
 *
 * Actions, suggestions and decisions are each stamped and inserted in one synchronous step, so their ids
 * grow with their timestamps (the property retention already relies on). The first row of a time range is
 * therefore found by a binary search over ids, and the range is read by id: no time index on `actions`, so
 * ingestion pays nothing for the charts. The time predicate stays in every query, so a clock that stepped
 * back can only make a range miss rows near its start, never count rows outside it. CROSS JOIN makes SQLite
 * read the range first and look each row's session up, instead of walking every session of the product.
 */
import type { Db } from "./connection.js";

/** `count` buckets of `bucketMs` from `start` (wall-clock ms): the range [start, start + count × bucketMs). */
export interface BucketRange {
  start: number;
  bucketMs: number;
  count: number;
}

/** `bucket` is the 0-based index into the range. */
export interface BucketCount {
  bucket: number;
  n: number;
}

/** Returns the first id whose time is at or after `t` (or one past the last id). */
export function idSearch(db: Db, table: string, timeColumn: string): (t: number) => number {
  const rowAtOrAfter = db.prepare<[number], { id: number; t: number }>(
    `SELECT id, ${timeColumn} AS t FROM ${table} WHERE id >= ? ORDER BY id LIMIT 1`,
  );
  const maxId = db.prepare<[], number | null>(`SELECT max(id) FROM ${table}`).pluck();
  return (t) => {
    // Invariant: rows with id < lo are older than t; rows with id >= hi are not.
    let lo = 0;
    let hi = (maxId.get() ?? 0) + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = rowAtOrAfter.get(mid);
      if (!row || row.id >= hi || row.t >= t) hi = mid;
      else lo = row.id + 1;
    }
    return lo;
  };
}

const bucketOf = (expr: string) => `CAST((${expr} - @start) / @bucketMs AS INTEGER)`;

export function createActivitySeriesRepository(db: Db) {
  const firstAction = idSearch(db, "actions", "received_at");
  const firstSuggestion = idSearch(db, "suggestions", "created_at");
  const firstDecision = idSearch(db, "suggestion_decisions", "created_at");

  const actions = db.prepare<Record<string, number | string>, BucketCount>(`
    SELECT ${bucketOf("a.received_at")} AS bucket, count(*) AS n
    FROM actions a CROSS JOIN sessions s ON s.id = a.session_ref
    WHERE a.id >= @fromId AND a.received_at >= @start AND a.received_at < @end AND s.product_id = @productId
    GROUP BY bucket`);
  const delivered = db.prepare<Record<string, number | string>, BucketCount>(`
    SELECT ${bucketOf("g.created_at")} AS bucket, count(*) AS n
    FROM suggestions g CROSS JOIN sessions s ON s.id = g.session_ref
    WHERE g.id >= @fromId AND g.created_at >= @start AND g.created_at < @end AND g.status = 'delivered' AND s.product_id = @productId
    GROUP BY bucket`);
  // A delivered suggestion with no feedback becomes "ignored" at created_at + timeout: counted in that bucket.
  const ignored = db.prepare<Record<string, number | string>, BucketCount>(`
    SELECT ${bucketOf("(g.created_at + @timeoutMs)")} AS bucket, count(*) AS n
    FROM suggestions g CROSS JOIN sessions s ON s.id = g.session_ref
    WHERE g.id >= @fromId AND g.created_at >= @start - @timeoutMs AND g.created_at < @end - @timeoutMs
      AND g.created_at <= @now - @timeoutMs AND g.status = 'delivered' AND g.feedback IS NULL AND s.product_id = @productId
    GROUP BY bucket`);
  const feedback = db.prepare<Record<string, number | string>, BucketCount & { verdict: string }>(`
    SELECT ${bucketOf("g.feedback_at")} AS bucket, g.feedback AS verdict, count(*) AS n
    FROM suggestions g CROSS JOIN sessions s ON s.id = g.session_ref
    WHERE g.feedback_at IS NOT NULL AND g.feedback_at >= @start AND g.feedback_at < @end AND s.product_id = @productId
    GROUP BY bucket, verdict`);
  const pending = db
    .prepare<Record<string, number | string>, number>(`
    SELECT count(*) FROM suggestions g CROSS JOIN sessions s ON s.id = g.session_ref
    WHERE g.id >= @fromId AND g.created_at >= @start AND g.created_at > @now - @timeoutMs
      AND g.status = 'delivered' AND g.feedback IS NULL AND s.product_id = @productId`)
    .pluck();
  // Where the suggestions created in the range stand: acknowledged by a widget (retracted ones too, if they
  // had been), still waiting for one, or expired without one.
  const delivery = db.prepare<Record<string, number | string>, { delivered: number | null; pending: number | null; expired: number | null }>(`
    SELECT sum(g.delivered_at IS NOT NULL OR g.status = 'delivered') AS delivered, sum(g.status = 'pending') AS pending,
           sum(g.status = 'expired') AS expired
    FROM suggestions g CROSS JOIN sessions s ON s.id = g.session_ref
    WHERE g.id >= @fromId AND g.created_at >= @start AND g.created_at < @end AND s.product_id = @productId`);
  const skips = db.prepare<Record<string, number | string>, { reason: string | null; n: number }>(`
    SELECT d.reason, count(*) AS n
    FROM suggestion_decisions d CROSS JOIN sessions s ON s.id = d.session_ref
    WHERE d.id >= @fromId AND d.created_at >= @start AND d.created_at < @end AND d.outcome = 'skipped' AND s.product_id = @productId
    GROUP BY d.reason ORDER BY n DESC, d.reason`);

  const params = (productId: string, r: BucketRange) => ({ productId, start: r.start, end: r.start + r.bucketMs * r.count, bucketMs: r.bucketMs });

  return {
    /** Actions stored per bucket (by received_at). */
    actionsPerBucket: (productId: string, r: BucketRange): BucketCount[] =>
      actions.all({ ...params(productId, r), fromId: firstAction(r.start) }),
    /** Suggestions delivered per bucket (by created_at). */
    deliveredPerBucket: (productId: string, r: BucketRange): BucketCount[] =>
      delivered.all({ ...params(productId, r), fromId: firstSuggestion(r.start) }),
    /** Feedback per bucket and verdict (by feedback_at). */
    feedbackPerBucket: (productId: string, r: BucketRange): (BucketCount & { verdict: string })[] => feedback.all(params(productId, r)),
    /** Delivered suggestions without feedback, per bucket of the moment they became ignored (created_at + timeoutMs ≤ now). */
    ignoredPerBucket: (productId: string, r: BucketRange, timeoutMs: number, now: number): BucketCount[] =>
      ignored.all({ ...params(productId, r), timeoutMs, now, fromId: firstSuggestion(r.start - timeoutMs) }),
    /** Delivered in the range, no feedback yet, and still within timeoutMs of delivery. */
    pendingCount: (productId: string, r: BucketRange, timeoutMs: number, now: number): number =>
      pending.get({ productId, start: r.start, timeoutMs, now, fromId: firstSuggestion(r.start) })!,
    /** Suggestions created in the range by delivery state. */
    deliveryCounts(productId: string, r: BucketRange): { delivered: number; pending: number; expired: number } {
      const row = delivery.get({ ...params(productId, r), fromId: firstSuggestion(r.start) });
      return { delivered: row?.delivered ?? 0, pending: row?.pending ?? 0, expired: row?.expired ?? 0 };
    },
    /** Skipped decisions in the range by reason code, most frequent first. */
    skipsByReason: (productId: string, r: BucketRange): { reason: string | null; n: number }[] =>
      skips.all({ ...params(productId, r), fromId: firstDecision(r.start) }),
  };
}

export type ActivitySeriesRepository = ReturnType<typeof createActivitySeriesRepository>;

/**
 * The PostgreSQL form of db/activity-series.repository.ts: the same binary search over ids for a range's first
 * row, the same predicates. Grouped rows come back in bucket order (SQLite's grouping sorts; PostgreSQL's may
 * hash, so the order is asked for).
 */
import type { ActivitySeriesRepository, BucketCount, BucketRange } from "../activity-series.repository.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";

/** Returns the first id whose time is at or after `t` (or one past the last id). */
export function pgIdSearch(ex: Executor, table: string, timeColumn: string): (t: number) => Promise<number> {
  return async (t) => {
    let lo = 0;
    let hi = ((await ex.row<{ id: number | null }>(`SELECT max(id) AS id FROM ${table}`))!.id ?? 0) + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = await ex.row<{ id: number; t: number }>(`SELECT id, ${timeColumn} AS t FROM ${table} WHERE id >= $1 ORDER BY id LIMIT 1`, [mid]);
      if (!row || row.id >= hi || row.t >= t) hi = mid;
      else lo = row.id + 1;
    }
    return lo;
  };
}

/** Truncating division, as SQLite's CAST(… AS INTEGER) of it. */
const bucketOf = (expr: string, start: string, bucketMs: string) => `trunc((${expr} - ${start}::float8) / ${bucketMs}::float8)::bigint`;

export function createPgActivitySeriesRepository(ex: Executor): AsyncOf<ActivitySeriesRepository> {
  const firstAction = pgIdSearch(ex, "actions", "received_at");
  const firstSuggestion = pgIdSearch(ex, "suggestions", "created_at");
  const firstDecision = pgIdSearch(ex, "suggestion_decisions", "created_at");
  const end = (r: BucketRange) => r.start + r.bucketMs * r.count;

  return {
    actionsPerBucket: async (productId, r) =>
      ex.rows<BucketCount>(
        `SELECT ${bucketOf("a.received_at", "$2", "$4")} AS bucket, count(*) AS n
         FROM actions a JOIN sessions s ON s.id = a.session_ref
         WHERE a.id >= $5 AND a.received_at >= $2 AND a.received_at < $3 AND s.product_id = $1
         GROUP BY bucket ORDER BY bucket`,
        [productId, r.start, end(r), r.bucketMs, await firstAction(r.start)],
      ),
    deliveredPerBucket: async (productId, r) =>
      ex.rows<BucketCount>(
        `SELECT ${bucketOf("g.created_at", "$2", "$4")} AS bucket, count(*) AS n
         FROM suggestions g JOIN sessions s ON s.id = g.session_ref
         WHERE g.id >= $5 AND g.created_at >= $2 AND g.created_at < $3 AND g.status = 'delivered' AND s.product_id = $1
         GROUP BY bucket ORDER BY bucket`,
        [productId, r.start, end(r), r.bucketMs, await firstSuggestion(r.start)],
      ),
    feedbackPerBucket: (productId, r) =>
      ex.rows<BucketCount & { verdict: string }>(
        `SELECT ${bucketOf("g.feedback_at", "$2", "$4")} AS bucket, g.feedback AS verdict, count(*) AS n
         FROM suggestions g JOIN sessions s ON s.id = g.session_ref
         WHERE g.feedback_at IS NOT NULL AND g.feedback_at >= $2 AND g.feedback_at < $3 AND s.product_id = $1
         GROUP BY bucket, verdict ORDER BY bucket, g.feedback COLLATE "C"`,
        [productId, r.start, end(r), r.bucketMs],
      ),
    ignoredPerBucket: async (productId, r, timeoutMs, now) =>
      ex.rows<BucketCount>(
        `SELECT ${bucketOf("(g.created_at + $5::bigint)", "$2", "$4")} AS bucket, count(*) AS n
         FROM suggestions g JOIN sessions s ON s.id = g.session_ref
         WHERE g.id >= $7 AND g.created_at >= $2::bigint - $5::bigint AND g.created_at < $3::bigint - $5::bigint
           AND g.created_at <= $6::bigint - $5::bigint AND g.status = 'delivered' AND g.feedback IS NULL AND s.product_id = $1
         GROUP BY bucket ORDER BY bucket`,
        [productId, r.start, end(r), r.bucketMs, timeoutMs, now, await firstSuggestion(r.start - timeoutMs)],
      ),
    pendingCount: async (productId, r, timeoutMs, now) =>
      (await ex.row<{ n: number }>(
        `SELECT count(*) AS n FROM suggestions g JOIN sessions s ON s.id = g.session_ref
         WHERE g.id >= $5 AND g.created_at >= $2 AND g.created_at > $4::bigint - $3::bigint
           AND g.status = 'delivered' AND g.feedback IS NULL AND s.product_id = $1`,
        [productId, r.start, timeoutMs, now, await firstSuggestion(r.start)],
      ))!.n,
    async deliveryCounts(productId, r) {
      const row = await ex.row<{ delivered: number; pending: number; expired: number }>(
        `SELECT count(*) FILTER (WHERE g.delivered_at IS NOT NULL OR g.status = 'delivered') AS delivered,
                count(*) FILTER (WHERE g.status = 'pending') AS pending,
                count(*) FILTER (WHERE g.status = 'expired') AS expired
         FROM suggestions g JOIN sessions s ON s.id = g.session_ref
         WHERE g.id >= $4 AND g.created_at >= $2 AND g.created_at < $3 AND s.product_id = $1`,
        [productId, r.start, end(r), await firstSuggestion(r.start)],
      );
      return { delivered: row?.delivered ?? 0, pending: row?.pending ?? 0, expired: row?.expired ?? 0 };
    },
    skipsByReason: async (productId, r) =>
      ex.rows<{ reason: string | null; n: number }>(
        `SELECT d.reason, count(*) AS n
         FROM suggestion_decisions d JOIN sessions s ON s.id = d.session_ref
         WHERE d.id >= $4 AND d.created_at >= $2 AND d.created_at < $3 AND d.outcome = 'skipped' AND s.product_id = $1
         GROUP BY d.reason ORDER BY n DESC, d.reason COLLATE "C" NULLS FIRST`,
        [productId, r.start, end(r), await firstDecision(r.start)],
      ),
  };
}

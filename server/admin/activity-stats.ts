/**
 * Time series for the admin charts: actions ingested, suggestions delivered, and their outcomes, per bucket
 * over the last `minutes`. Buckets are aligned to multiples of their length since the epoch, so a page that
 * refreshes sees the same buckets move left rather than new ones shifted by a few seconds; the last bucket
 * holds `now`. Each outcome counts where it happened: feedback at feedback_at, "ignored" at the moment the
 * interaction timeout ran out.
 */
import type { BucketCount, BucketRange } from "../../db/activity-series.repository.js";
import type { RepositoryPorts } from "../../db/store.js";
import type { AdminStatsBucket, AdminStatsResponse } from "../contracts/admin.js";
import type { StatsQuery } from "./admin-queries.schema.js";
import { acceptanceRate } from "./suggestion-outcome.js";

const iso = (ms: number) => new Date(ms).toISOString();

/** `ceil(minutes × 60 / bucketS)` aligned buckets, the last one holding `now`. */
export function bucketRangeOf(now: number, minutes: number, bucketS: number): BucketRange {
  const bucketMs = bucketS * 1000;
  const count = Math.max(1, Math.ceil((minutes * 60) / bucketS));
  const lastStart = Math.floor(now / bucketMs) * bucketMs;
  return { start: lastStart - (count - 1) * bucketMs, bucketMs, count };
}

/** Dense per-bucket counts from the sparse rows a GROUP BY returns. */
export function densify(rows: readonly BucketCount[], count: number): number[] {
  const out = new Array<number>(count).fill(0);
  for (const r of rows) if (r.bucket >= 0 && r.bucket < count) out[r.bucket]! += r.n;
  return out;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

export async function activityStats(
  deps: { repos: RepositoryPorts; interactionTimeoutMs: number },
  productId: string,
  query: StatsQuery,
  now: number,
): Promise<AdminStatsResponse> {
  const { repos, interactionTimeoutMs } = deps;
  const series = repos.activitySeries;
  const range = bucketRangeOf(now, query.minutes, query.bucket_s);
  const feedback = await series.feedbackPerBucket(productId, range);
  const actions = densify(await series.actionsPerBucket(productId, range), range.count);
  const delivered = densify(await series.deliveredPerBucket(productId, range), range.count);
  const accepted = densify(feedback.filter((r) => r.verdict === "accepted"), range.count);
  const dismissed = densify(feedback.filter((r) => r.verdict === "dismissed"), range.count);
  const ignored = densify(await series.ignoredPerBucket(productId, range, interactionTimeoutMs, now), range.count);

  const buckets = Array.from({ length: range.count }, (_, i): AdminStatsBucket => {
    const c = { accepted: accepted[i]!, dismissed: dismissed[i]!, ignored: ignored[i]! };
    return { start: iso(range.start + i * range.bucketMs), actions: actions[i]!, delivered: delivered[i]!, ...c, acceptance_rate: acceptanceRate(c) };
  });
  const totals = { accepted: sum(accepted), dismissed: sum(dismissed), ignored: sum(ignored) };
  return {
    product_id: productId,
    now: iso(now),
    from: iso(range.start),
    to: iso(range.start + range.count * range.bucketMs),
    minutes: query.minutes,
    bucket_s: query.bucket_s,
    buckets,
    totals: {
      actions: sum(actions),
      delivered: sum(delivered),
      ...totals,
      pending: await series.pendingCount(productId, range, interactionTimeoutMs, now),
      acceptance_rate: acceptanceRate(totals),
      delivery: await series.deliveryCounts(productId, range),
    },
    skips_by_reason: (await series.skipsByReason(productId, range)).map((r) => ({ reason: r.reason ?? "unknown", count: r.n })),
  };
}

/**
 * Identity of an action for deduplication (PROTOCOL.md §1): type, canonical URL, title, description and
 * the start timestamp — or, for an action without one, the batch's `forwarded_at` and the action's index.
 * The session is the other half of the unique index, so it is not hashed here.
 */
import crypto from "node:crypto";
import type { SlimAction, SummaryPayload } from "./autoplay.schema.js";

/**
 * 64 bits of SHA-256 as a signed integer: an INTEGER key keeps the unique index small and fast. Keys are
 * unique per session, where a collision needs ~4 billion actions to become likely.
 */
const hash64 = (parts: readonly (string | number)[]): bigint =>
  crypto.hash("sha256", JSON.stringify(parts), "buffer").readBigInt64BE(0);

export function actionDedupeKey(action: SlimAction, forwardedAt: number): bigint {
  const when = action.timestamp_start > 0 ? ["t", action.timestamp_start] : ["f", forwardedAt, action.index];
  return hash64([action.type, action.canonical_url, action.title, action.description, ...when]);
}

export function summaryDedupeKey(summary: Pick<SummaryPayload, "summary" | "replaces" | "forwarded_at">): bigint {
  return hash64(["summary", summary.summary, summary.replaces, summary.forwarded_at]);
}

/** A rolling summary is identified by the last action it folds in: folding the same range twice stores once. */
export function rollingSummaryDedupeKey(coversThroughActionId: number): bigint {
  return hash64(["rolling", coversThroughActionId]);
}

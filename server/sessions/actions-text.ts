/**
 * `toText()` and `merge()` exactly as the Autoplay SDK defines them (PROTOCOL.md §1), so text that an
 * Autoplay-based agent puts into its prompts is byte-identical whether it came from Autoplay or Pilotlight.
 */
import type { ActionsPayload, SlimAction } from "../ingest/autoplay.schema.js";

const EM_DASH = "\u2014";

export interface ActionsLike {
  session_id: string | null;
  actions: readonly Pick<SlimAction, "index" | "type" | "description" | "canonical_url">[];
}

export function actionLine(a: Pick<SlimAction, "index" | "type" | "description" | "canonical_url">): string {
  return `[${a.index}] ${a.type}: ${a.description} ${EM_DASH} ${a.canonical_url}`;
}

export function toText(payload: ActionsLike): string {
  const header = `Session ${payload.session_id ?? "unknown"} ${EM_DASH} ${payload.actions.length} actions`;
  return [header, ...payload.actions.map(actionLine)].join("\n");
}

const firstNonNull = <T>(values: readonly (T | null)[]): T | null => values.find((v) => v !== null) ?? null;

/**
 * Concatenates payloads of one session in order, re-indexing actions from 0.
 * Ids take the first non-null value and `forwarded_at` the latest.
 */
export function merge(payloads: readonly ActionsPayload[]): ActionsPayload {
  if (payloads.length === 0) throw new Error("merge() needs at least one payload");
  const sessions = new Set(payloads.map((p) => p.session_id));
  if (sessions.size > 1) throw new Error(`merge() needs payloads of one session; got ${[...sessions].join(", ")}`);
  const actions = payloads.flatMap((p) => p.actions).map((a, i) => ({ ...a, index: i }));
  return {
    type: "actions",
    product_id: firstNonNull(payloads.map((p) => p.product_id)),
    session_id: payloads[0]!.session_id,
    user_id: firstNonNull(payloads.map((p) => p.user_id)),
    email: firstNonNull(payloads.map((p) => p.email)),
    conversation_id: firstNonNull(payloads.map((p) => p.conversation_id)),
    claimed_count: null,
    count: actions.length,
    forwarded_at: Math.max(...payloads.map((p) => p.forwarded_at)),
    actions,
  };
}

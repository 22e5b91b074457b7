/**
 * The event JSON an ingest appends to the outbound log (PROTOCOL.md §3.1): Autoplay's own shapes, so an
 * Autoplay SDK client can subscribe to Pilotlight. An `actions` event carries only the actions newly stored
 * from the ingested one, each with its original `index`; `count` is their number.
 */
import type { ActionsPayload, SlimAction, SummaryPayload } from "./autoplay.schema.js";

export function outboundActionsEvent(productId: string, p: ActionsPayload, stored: readonly SlimAction[]): string {
  return JSON.stringify({
    type: "actions",
    product_id: productId,
    session_id: p.session_id,
    user_id: p.user_id,
    email: p.email,
    conversation_id: p.conversation_id,
    count: stored.length,
    forwarded_at: p.forwarded_at,
    actions: stored,
  });
}

export function outboundSummaryEvent(productId: string, s: SummaryPayload): string {
  return JSON.stringify({
    type: "summary",
    product_id: productId,
    session_id: s.session_id,
    summary: s.summary,
    replaces: s.replaces,
    forwarded_at: s.forwarded_at,
  });
}

/**
 * Raw browser events (capture.js, PostHog) → one Autoplay `ActionsPayload` for the ingest use case:
 * extraction → labelling → canonical URLs. Each event's millisecond timestamp becomes the action's
 * `timestamp_start`, so a retried batch has the same dedupe identity and is stored once.
 */
import type { ActionsPayload, SlimAction } from "../autoplay.schema.js";
import { extractAction } from "./extract-action.js";
import type { Intent } from "./intent.js";
import { labelAction } from "./label-action.js";
import type { RawEvent } from "./raw-event.schema.js";

export interface LabelledAction extends SlimAction {
  intent: Intent;
}

export interface RawBatch {
  sessionId: string;
  userId: string | null;
  email: string | null;
  /** Unix seconds the batch was received. */
  forwardedAt: number;
  events: readonly RawEvent[];
}

/** One raw event as a labelled Autoplay action (with its inferred intent). */
export function labelRawEvent(event: RawEvent, index: number, batch: Omit<RawBatch, "events" | "forwardedAt">): LabelledAction {
  const action = extractAction(event);
  const label = labelAction(action);
  return {
    index,
    type: action.type,
    title: label.title,
    description: label.description,
    canonical_url: action.canonicalUrl,
    raw_url: action.rawUrl,
    timestamp_start: action.timestamp,
    timestamp_end: action.timestamp,
    session_id: batch.sessionId,
    user_id: batch.userId,
    email: batch.email,
    conversation_id: null,
    intent: label.intent,
  };
}

export function rawEventsToPayload(batch: RawBatch): ActionsPayload {
  const actions: SlimAction[] = batch.events.map((e, i) => {
    const { intent: _intent, ...action } = labelRawEvent(e, i, batch);
    return action;
  });
  return {
    type: "actions",
    product_id: null,
    session_id: batch.sessionId,
    user_id: batch.userId,
    email: batch.email,
    conversation_id: null,
    claimed_count: null,
    count: actions.length,
    forwarded_at: batch.forwardedAt,
    actions,
  };
}

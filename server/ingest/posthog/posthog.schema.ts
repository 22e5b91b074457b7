/**
 * PostHog's webhook-destination body (PROTOCOL.md §2.4): `{event: {uuid, event, distinct_id, timestamp,
 * elements_chain, properties}, person: {properties: {email}}}` — or the bare event, or an array of
 * either (a batch). Lenient like the Autoplay parsing: unknown fields are ignored, non-string optional
 * fields are treated as absent and over-long strings are cut, because a machine feed cannot be asked
 * to fix itself; what cannot be an event at all is a 422.
 */
import { z } from "zod";
import { MAX_ID, MAX_URL } from "../autoplay.schema.js";
import { issuesOf, type ParseResult } from "../parse-event.js";
import { parseInput } from "../../contracts/parse-input.js";

export const MAX_EVENTS_PER_REQUEST = 1_000;
const MAX_CHAIN = 100_000;

/** A string cut to `max`, or undefined for anything that is not a non-empty string. */
const loose = (max: number) =>
  z
    .unknown()
    .transform((v) => (typeof v === "string" && v.trim() !== "" ? v.slice(0, max) : undefined))
    .optional();

/** The properties Pilotlight reads; all others are ignored. */
export const PosthogPropertiesSchema = z.object({
  $session_id: loose(MAX_ID),
  $current_url: loose(MAX_URL),
  $host: loose(512),
  $pathname: loose(MAX_URL),
  $event_type: loose(64),
  $el_text: loose(1_000),
  $elements_chain: loose(MAX_CHAIN),
  title: loose(500),
  /** posthog-js sets it on every event: true once `posthog.identify()` named the person, false while anonymous. */
  $is_identified: z
    .unknown()
    .transform((v) => v === true || v === "true")
    .optional(),
  $time: z
    .unknown()
    .transform((v) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : undefined))
    .optional(),
});

export const PosthogEventSchema = z.object({
  uuid: loose(128),
  event: z
    .string({ error: "event name must be a string such as \"$autocapture\"" })
    .min(1, "event name must not be empty")
    .max(400, "event name must be at most 400 characters"),
  distinct_id: z
    .unknown()
    .transform((v) => (typeof v === "number" && Number.isFinite(v) ? String(v) : v))
    .pipe(loose(MAX_ID))
    .optional(),
  timestamp: z
    .unknown()
    .transform((v) => (typeof v === "string" || typeof v === "number" ? v : undefined))
    .optional(),
  elements_chain: loose(MAX_CHAIN),
  properties: z.preprocess(
    (v) => (v === undefined || v === null ? {} : v),
    z.record(z.string(), z.unknown(), { error: "properties must be an object" }).pipe(PosthogPropertiesSchema),
  ),
});

const PersonSchema = z
  .unknown()
  .transform((v) => {
    const props = v && typeof v === "object" ? (v as { properties?: unknown }).properties : undefined;
    const email = props && typeof props === "object" ? (props as { email?: unknown }).email : undefined;
    return { email: typeof email === "string" && email.trim() !== "" ? email.trim().slice(0, MAX_ID) : undefined };
  })
  .optional();

/** `{event: {…}, person}` (the destination's default) or a bare event with an optional `person`. */
export const PosthogDeliverySchema = z.preprocess(
  (v) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const record = v as Record<string, unknown>;
      if (record.event && typeof record.event === "object") return record;
      if (typeof record.event === "string") return { event: record, person: record.person };
    }
    return v;
  },
  z.object(
    { event: z.object({}, { error: "event must be an object" }).loose().pipe(PosthogEventSchema), person: PersonSchema },
    { error: "expected a PostHog event: {event: {uuid, event, distinct_id, properties, …}, person}" },
  ),
);

const PosthogBatchSchema = z
  .array(PosthogDeliverySchema)
  .max(MAX_EVENTS_PER_REQUEST, `at most ${MAX_EVENTS_PER_REQUEST} events per request`);

/** One delivery or a batch of them, as a list; issues name their path (`[3].event.event` in a batch). */
export function parsePosthogBody(value: unknown): ParseResult<PosthogDelivery[]> {
  const result = Array.isArray(value) ? parseInput(PosthogBatchSchema, value) : parseInput(PosthogDeliverySchema, value);
  if (!result.success) return { ok: false, issues: issuesOf(result.error) };
  return { ok: true, value: Array.isArray(result.data) ? result.data : [result.data] };
}

export type PosthogEvent = z.infer<typeof PosthogEventSchema>;
export type PosthogDelivery = z.infer<typeof PosthogDeliverySchema>;

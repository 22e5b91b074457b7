/**
 * The first-party capture wire format (PROTOCOL.md §2.3): what capture.js sends to `POST /v1/capture`.
 * Strict about sizes (the endpoint is reachable with a public key), lenient about absent optional fields.
 * Input values are never part of this format; `text` is an element's visible text, never a field's value.
 */
import { z } from "zod";
import { MAX_ID, MAX_URL } from "../autoplay.schema.js";

/** Events per request: capture.js flushes at 20, so this leaves room for a retried backlog. */
export const MAX_EVENTS_PER_BATCH = 100;
export const MAX_TARGET_TEXT = 1_000;
export const MAX_TARGET_FIELD = 500;
export const MAX_PAGE_TITLE = 500;
/** The latest event time accepted, in ms (year 2286): past it a timestamp is junk, and far past it not even a Date. */
export const MAX_EVENT_TS_MS = 1e13;

/**
 * The event types a browser reports; `change` becomes a `type` action, `invalid` (a field a form's validation
 * rejected) an `invalid` action.
 */
export const RAW_EVENT_TYPES = ["pageview", "click", "submit", "change", "focus", "blur", "invalid"] as const;

/** Which constraint an `invalid` field failed (its ValidityState flag). */
export const VALIDITY_KINDS = [
  "value_missing", "type_mismatch", "pattern_mismatch", "too_long", "too_short", "range_underflow", "range_overflow", "step_mismatch", "bad_input", "custom",
] as const;
export const MAX_VALIDATION_MESSAGE = 300;

const field = (max: number) =>
  z.preprocess(
    (v) => (v === null || v === "" ? undefined : v),
    z.string({ error: "must be a string" }).max(max, `must be at most ${max} characters`).optional(),
  );

/** The element an event happened on, described by identity only. */
export const RawTargetSchema = z.object({
  tag: z.string({ error: "tag must be a string" }).min(1, "tag must not be empty").max(64, "must be at most 64 characters"),
  /** Visible text of the element (buttons, links, labels); never the value of a field. */
  text: field(MAX_TARGET_TEXT),
  id: field(MAX_TARGET_FIELD),
  name: field(MAX_TARGET_FIELD),
  role: field(64),
  aria_label: field(MAX_TARGET_FIELD),
  href: field(MAX_URL),
  input_type: field(64),
  /** Text of the field's `<label>` (or aria-labelledby). */
  label: field(MAX_TARGET_FIELD),
  /** The enclosing form's name, id or aria-label. */
  form: field(MAX_TARGET_FIELD),
  /** The element's `title` attribute. */
  title: field(MAX_TARGET_FIELD),
  placeholder: field(MAX_TARGET_FIELD),
  /** For a submit: the text of the button that submitted the form. */
  submitter: field(MAX_TARGET_FIELD),
});

export const RawEventSchema = z.object({
  type: z.enum(RAW_EVENT_TYPES, { error: `type must be one of ${RAW_EVENT_TYPES.join(", ")}` }),
  /** Milliseconds since the Unix epoch; it is the event's identity for deduplication, so it is required. */
  ts: z
    .number({ error: "ts must be a number (milliseconds since the Unix epoch)" })
    .finite()
    .positive("ts must be a positive number of milliseconds")
    .max(MAX_EVENT_TS_MS, "ts must be milliseconds since the Unix epoch"),
  url: z.string({ error: "url must be a string" }).min(1, "url must not be empty").max(MAX_URL, `url must be at most ${MAX_URL} characters`),
  /** The page's title (document.title). */
  title: field(MAX_PAGE_TITLE),
  target: RawTargetSchema.optional(),
  /** A burst of clicks on one element (a struggle signal), reported once besides the clicks themselves. */
  rage: z.boolean().optional(),
  /** For `invalid`: the validation message shown to the user (never the field's value). */
  message: field(MAX_VALIDATION_MESSAGE),
  /** For `invalid`: the constraint that failed. Unknown kinds are dropped rather than refused. */
  validity: z.preprocess((v) => (typeof v === "string" && (VALIDITY_KINDS as readonly string[]).includes(v) ? v : undefined), z.enum(VALIDITY_KINDS).optional()),
});

const id = (what: string) =>
  z.preprocess(
    (v) => (typeof v === "string" ? v.trim() : v),
    z.string({ error: `${what} must be a string` }).min(1, `${what} is required`).max(MAX_ID, `${what} must be at most ${MAX_ID} characters`),
  );

const CaptureBatchObject = z.object({
  product_key: z.string({ error: "product_key is required" }).min(1, "product_key is required").max(128),
  session_id: id("session_id"),
  user_id: z.preprocess(
    (v) => (v === null || (typeof v === "string" && v.trim() === "") ? undefined : v),
    id("user_id").optional(),
  ),
  /** Identity verification, as the widget's: hex HMAC-SHA256(identity_secret, user_id). Only then is user_id the session's owner. */
  user_hash: z.preprocess(
    (v) => (v === null || v === "" ? undefined : v),
    z
      .string({ error: "user_hash must be a string" })
      .regex(/^[0-9a-fA-F]{64}$/, "user_hash must be the hex HMAC-SHA256 of user_id with the product's identity secret")
      .optional(),
  ),
  events: z
    .array(RawEventSchema, { error: "events must be an array" })
    .max(MAX_EVENTS_PER_BATCH, `events must hold at most ${MAX_EVENTS_PER_BATCH} events per request`),
});

export const CaptureBatchSchema = z.preprocess(
  // `userHash` (the widget's spelling) is accepted for `user_hash`.
  (v) => (v && typeof v === "object" && !Array.isArray(v) && "userHash" in v && !("user_hash" in v) ? { ...v, user_hash: (v as { userHash: unknown }).userHash } : v),
  CaptureBatchObject.superRefine((b, ctx) => {
    if (b.user_hash !== undefined && b.user_id === undefined) {
      ctx.addIssue({ code: "custom", path: ["user_hash"], message: "user_hash was sent without user_id" });
    }
  }),
);

export type RawTarget = z.infer<typeof RawTargetSchema>;
export type RawEvent = z.infer<typeof RawEventSchema>;
export type CaptureBatch = z.infer<typeof CaptureBatchObject>;
export type RawEventType = RawEvent["type"];

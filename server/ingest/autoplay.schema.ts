/**
 * The Autoplay wire format (PROTOCOL.md §1), parsed as leniently as the Autoplay SDK parses it:
 * missing fields take defaults, unknown fields are dropped, empty-string ids become null, unknown action
 * types are kept. What cannot be made sense of (no session, wrong shapes, absurd sizes) is a 422.
 */
import { z } from "zod";

export const MAX_TITLE = 500;
export const MAX_DESCRIPTION = 2_000;
export const MAX_URL = 4_096;
export const MAX_ID = 256;
export const MAX_SUMMARY = 20_000;

/** The action types the protocol names; any other string is kept as given. */
export const KNOWN_ACTION_TYPES = ["pageview", "click", "submit", "type", "focus", "blur"] as const;

/** Used when an action names no type (the minimal form); a neutral word rather than a guess. */
export const DEFAULT_ACTION_TYPE = "action";

/** string | number | "" | null | undefined → trimmed string or null. */
const lenientId = z.preprocess(
  (v) => {
    if (v === undefined || v === null) return null;
    if (typeof v === "number" && Number.isFinite(v)) return String(v);
    if (typeof v === "string" && v.trim() === "") return null;
    return typeof v === "string" ? v.trim() : v;
  },
  z.string().max(MAX_ID, `must be at most ${MAX_ID} characters`).nullable(),
);

/** Float Unix seconds; absent or null means 0 (no timestamp). Numeric strings are accepted. */
const lenientSeconds = z.preprocess(
  (v) => {
    if (v === undefined || v === null || v === "") return 0;
    if (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
    return v;
  },
  z.number({ error: "must be a number (Unix seconds)" }).finite().min(0, "must not be negative"),
);

const text = (max: number, what: string) =>
  z.string({ error: `${what} must be a string` }).max(max, `must be at most ${max} characters`);

export const SlimActionSchema = z.object({
  index: z.number({ error: "must be an integer ≥ 0" }).int("must be an integer ≥ 0").min(0, "must be an integer ≥ 0").optional(),
  type: z.preprocess(
    (v) => (v === undefined || v === null || v === "" ? DEFAULT_ACTION_TYPE : v),
    text(64, "type"),
  ),
  title: text(MAX_TITLE, "title"),
  description: text(MAX_DESCRIPTION, "description"),
  canonical_url: text(MAX_URL, "canonical_url"),
  raw_url: z.preprocess((v) => (v === "" || v === undefined ? null : v), text(MAX_URL, "raw_url").nullable()),
  timestamp_start: lenientSeconds,
  timestamp_end: lenientSeconds,
  session_id: lenientId,
  user_id: lenientId,
  email: lenientId,
  conversation_id: lenientId,
});

/** An action as stored and rendered: `index` always present. */
export type SlimAction = Omit<z.output<typeof SlimActionSchema>, "index"> & { index: number };
export type SlimActionInput = z.input<typeof SlimActionSchema>;

const ActionsPayloadObject = z.object({
  type: z.literal("actions"),
  product_id: lenientId,
  session_id: lenientId,
  user_id: lenientId,
  email: lenientId,
  conversation_id: lenientId,
  count: z.number().int().min(0).optional(),
  forwarded_at: lenientSeconds,
  actions: z.preprocess(
    (v) => (v === undefined || v === null ? [] : v),
    z.array(SlimActionSchema, { error: "actions must be an array" }),
  ),
});

export const ActionsPayloadSchema = ActionsPayloadObject.transform((p, ctx) => {
  let sessionId = p.session_id;
  if (sessionId === null) {
    // The Autoplay SDK lets a batch carry its session on the actions alone — but only unambiguously.
    const ids = new Set(p.actions.map((a) => a.session_id));
    const only = ids.size === 1 ? [...ids][0] : null;
    if (only) {
      sessionId = only;
    } else {
      ctx.addIssue({
        code: "custom",
        path: ["session_id"],
        message:
          p.actions.length === 0
            ? "session_id is required"
            : "session_id is required: the batch has none and its actions do not all carry the same one",
      });
      return z.NEVER;
    }
  }
  const actions: SlimAction[] = p.actions.map((a, i) => ({ ...a, index: a.index ?? i }));
  return {
    type: "actions" as const,
    product_id: p.product_id,
    session_id: sessionId,
    user_id: p.user_id,
    email: p.email,
    conversation_id: p.conversation_id,
    /** What the sender claimed; `count` below is always the real length (a mismatch is corrected). */
    claimed_count: p.count ?? null,
    count: actions.length,
    forwarded_at: p.forwarded_at,
    actions,
  };
});

export type ActionsPayload = z.output<typeof ActionsPayloadSchema>;

export const SummaryPayloadSchema = z.object({
  type: z.literal("summary"),
  product_id: lenientId,
  session_id: lenientId.refine((v) => v !== null, "session_id is required"),
  summary: text(MAX_SUMMARY, "summary"),
  replaces: z.preprocess((v) => (v === undefined || v === null ? 0 : v), z.number().int().min(0)),
  forwarded_at: lenientSeconds,
});

export type SummaryPayload = Omit<z.output<typeof SummaryPayloadSchema>, "session_id"> & { session_id: string };

export type AutoplayEvent = ActionsPayload | SummaryPayload;

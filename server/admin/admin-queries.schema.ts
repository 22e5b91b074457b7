/**
 * Query strings of the admin JSON endpoints. Strict: an unknown key (a typo like `limt`) is named in the
 * 422 instead of being silently ignored. Numbers are whole decimal numbers given once.
 */
import { z } from "zod";

const productId = z
  .string({ error: "must be given once" })
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1–64 letters, digits, '_' or '-'")
  .optional();

const wholeNumber = (def: number, min: number, max: number) =>
  z
    .string({ error: "must be given once, as a whole number" })
    .regex(/^\d{1,15}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .default(def);

export const MAX_BUCKETS = 1440;

export const SessionsQuerySchema = z.strictObject({
  product_id: productId,
  limit: wholeNumber(20, 1, 100),
  /** Sessions seen within this many ms of now (default 1 hour, at most 90 days). */
  active_within_ms: wholeNumber(3_600_000, 1_000, 90 * 86_400_000),
});
export type SessionsQuery = z.infer<typeof SessionsQuerySchema>;

export const SuggestionsQuerySchema = z.strictObject({
  product_id: productId,
  limit: wholeNumber(50, 1, 200),
});
export type SuggestionsQuery = z.infer<typeof SuggestionsQuerySchema>;

export const StatsQuerySchema = z
  .strictObject({
    product_id: productId,
    minutes: wholeNumber(60, 1, 1440),
    bucket_s: wholeNumber(60, 1, 3600),
  })
  .superRefine((q, ctx) => {
    const buckets = Math.ceil((q.minutes * 60) / q.bucket_s);
    if (buckets > MAX_BUCKETS) {
      ctx.addIssue({
        code: "custom",
        path: ["bucket_s"],
        message: `minutes=${q.minutes} with bucket_s=${q.bucket_s} makes ${buckets} buckets; at most ${MAX_BUCKETS} (use a larger bucket_s)`,
      });
    }
  });
export type StatsQuery = z.infer<typeof StatsQuerySchema>;

/** `GET /v1/admin/users/:userId/memory`, `GET /v1/admin/sessions/:id/analysis`, `GET /v1/admin/workflows` and others naming one product. */
export const ProductQuerySchema = z.strictObject({ product_id: productId });
export type ProductQuery = z.infer<typeof ProductQuerySchema>;

export const SearchQuerySchema = z.strictObject({
  product_id: productId,
  q: z.string({ error: "must be given once" }).trim().min(2, "must be at least 2 characters").max(200, "must be at most 200 characters"),
  /** How far back to search (default 7 days). */
  days: wholeNumber(7, 1, 90),
  limit: wholeNumber(20, 1, 100),
});
export type SearchQuery = z.infer<typeof SearchQuerySchema>;

export const LiftQuerySchema = z.strictObject({
  product_id: productId,
  /** The last this many days (default 30, at most a year). */
  days: wholeNumber(30, 1, 365),
});
export type LiftQuery = z.infer<typeof LiftQuerySchema>;

/** A user or session id in the path: what the sources accept (PROTOCOL.md §1), at most 256 characters. */
export const PathIdSchema = z.string().min(1, "must not be empty").max(256, "must be at most 256 characters");

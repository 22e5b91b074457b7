/**
 * `POST /v1/webhooks/posthog` — a PostHog webhook destination (PROTOCOL.md §2.4).
 * `?product_id=` picks the product (default: the default product).
 * Order of checks: rate limit (429) → content type (415) → size (413) → product (404, from the query) →
 * secret on the raw bytes (401) → JSON (400) → schema (422) → pipeline → commit →
 * `202 {accepted, duplicates, dropped}`. An unauthenticated body is never parsed.
 */
import type { AsyncProductRepository } from "../../db/store.js";
import { Router } from "express";
import { z } from "zod";
import type { Clock } from "../clock.js";
import { NotFoundError, ValidationError } from "../errors.js";
import type { IngestService } from "../ingest/ingest-event.js";
import { describeIssues, issuesOf } from "../ingest/parse-event.js";
import { ingestPosthogDeliveries } from "../ingest/posthog/ingest-posthog.js";
import { parsePosthogBody } from "../ingest/posthog/posthog.schema.js";
import { verifyPosthogSecret } from "../ingest/posthog/posthog-secret.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { countIngestRejections, type RefusalNotes } from "./http-metrics.js";
import { parseJson, rawBody, requireJson } from "./json-body.js";
import type { RateLimits } from "./rate-limit.js";
import { withoutNul } from "../contracts/without-nul.js";
import { parseInput } from "../contracts/parse-input.js";

export interface PosthogRouteDeps {
  products: AsyncProductRepository;
  ingest: IngestService;
  clock: Clock;
  logger: Logger;
  /** Keys sessions of events without `$session_id` (a keyed HMAC, never the distinct_id itself). */
  sessionKeySecret: string;
  defaultProductId: string;
  maxBodyBytes: number;
  metrics: Metrics;
  rateLimits: RateLimits;
  /** RATE_LIMIT_WEBHOOK_PER_MIN: per product and client address; 0 = off. */
  rateLimitPerMinute: number;
  /** Refusals are noted for the admin Installation panel. */
  refusalNotes?: RefusalNotes;
}

const QuerySchema = z.object({ product_id: z.string().trim().min(1).max(64).optional() });

export function posthogRoutes(deps: PosthogRouteDeps): Router {
  const router = Router();
  const limit = deps.rateLimits.create({
    name: "posthog",
    perMinute: deps.rateLimitPerMinute,
    productOf: async (req) => {
      const named = typeof req.query.product_id === "string" ? req.query.product_id : deps.defaultProductId;
      return (await deps.products.findById(named)) ? named : undefined;
    },
  });
  router.post("/v1/webhooks/posthog", countIngestRejections(deps.metrics, "posthog", deps.refusalNotes), limit.middleware, requireJson, rawBody(deps.maxBodyBytes), async (req, res) => {
    const query = parseInput(QuerySchema, withoutNul(req.query));
    if (!query.success) throw new ValidationError("invalid query", issuesOf(query.error));
    const raw = req.body as Buffer;
    const productId = query.data.product_id ?? deps.defaultProductId;
    const product = await deps.products.findById(productId);
    if (product) res.locals.productId = product.id;
    if (!product) throw new NotFoundError("unknown_product", `unknown product ${JSON.stringify(productId)}`);

    verifyPosthogSecret(req.get("x-posthog-secret"), raw, product.posthogSecret);
    const body = parseJson(raw);

    const parsed = parsePosthogBody(body);
    if (!parsed.ok) throw new ValidationError(describeIssues(parsed.issues), parsed.issues);
    const result = await ingestPosthogDeliveries(deps, product.id, parsed.value, Array.isArray(body));
    res.status(202).json(result);
  });
  return router;
}

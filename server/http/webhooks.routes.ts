/**
 * `POST /v1/webhooks/actions` — the Autoplay-compatible push webhook (PROTOCOL.md §2.1).
 * Order of checks: content type (415) → size (413) → JSON (400) → rate limit (429) → product (404)
 * → signature (401) → schema (422) → commit → 202. Nothing is stored unless every check passed.
 */
import { Router } from "express";
import type { ProductRepository } from "../../db/product.repository.js";
import type { Clock } from "../clock.js";
import { NotFoundError, ValidationError } from "../errors.js";
import type { IngestService } from "../ingest/ingest-event.js";
import { describeIssues, parseAutoplayEvent } from "../ingest/parse-event.js";
import { verifyPushSignature } from "../ingest/push-signature.js";
import type { Metrics } from "../metrics.js";
import { countIngestRejections, type RefusalNotes } from "./http-metrics.js";
import { parseJsonBody, rawBody, requireJson, type JsonBody } from "./json-body.js";
import type { RateLimits } from "./rate-limit.js";

export interface WebhookRouteDeps {
  products: ProductRepository;
  ingest: IngestService;
  clock: Clock;
  defaultProductId: string;
  maxBodyBytes: number;
  signatureToleranceS: number;
  metrics: Metrics;
  rateLimits: RateLimits;
  /** RATE_LIMIT_WEBHOOK_PER_MIN: per product and client address; 0 = off. */
  rateLimitPerMinute: number;
  /** Refusals are noted for the admin Installation panel. */
  refusalNotes?: RefusalNotes;
}

/** The product a body names (`product_id`), or the default product when it names none. */
export function productIdOf(body: unknown, defaultProductId: string): string {
  const named = body && typeof body === "object" ? (body as Record<string, unknown>).product_id : undefined;
  if (typeof named === "string" && named.trim() !== "") return named.trim();
  if (typeof named === "number") return String(named);
  return defaultProductId;
}

export function webhookRoutes(deps: WebhookRouteDeps): Router {
  const router = Router();
  const limit = deps.rateLimits.create({
    name: "webhook",
    perMinute: deps.rateLimitPerMinute,
    // Only real products get their own bucket, so naming made-up products does not buy a sender more requests.
    productOf: (req) => {
      const id = productIdOf((req.body as JsonBody).json, deps.defaultProductId);
      return deps.products.findById(id) ? id : undefined;
    },
  });
  const readBody = [requireJson, rawBody(deps.maxBodyBytes), parseJsonBody];
  router.post("/v1/webhooks/actions", countIngestRejections(deps.metrics, "push", deps.refusalNotes), ...readBody, limit.middleware, async (req, res) => {
    const { raw, json: body } = req.body as JsonBody;
    const productId = productIdOf(body, deps.defaultProductId);
    const product = deps.products.findById(productId);
    if (product) res.locals.productId = product.id;
    if (!product) throw new NotFoundError("unknown_product", `unknown product ${JSON.stringify(productId.slice(0, 64))}`);

    verifyPushSignature(
      { connector: req.get("x-connector-signature"), pilotlight: req.get("x-pilotlight-signature") },
      raw,
      product.pushSecret,
      deps.clock.now() / 1000,
      deps.signatureToleranceS,
    );

    const parsed = parseAutoplayEvent(body);
    if (!parsed.ok) throw new ValidationError(describeIssues(parsed.issues), parsed.issues);

    const result = await deps.ingest.ingest(product.id, parsed.value, "push");
    res.status(202).json(result);
  });
  return router;
}

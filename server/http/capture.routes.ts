/**
 * `POST /v1/capture` — raw browser events from capture.js (PROTOCOL.md §2.3).
 * Order of checks: content type (415) → size (413) → JSON (400) → product key (401) → Origin (403)
 * → schema (422) → extraction, labelling, ingest → commit → 202. Nothing is stored unless all passed.
 * Accepts `text/plain` as well as JSON: sendBeacon and a fetch without a preflight can only send that.
 * Every answer to a browser — refusals included — carries CORS headers for the page's origin, so capture.js
 * can read why it was refused and tell the developer in the console; a refusal grants nothing else.
 */
import { Router, type RequestHandler } from "express";
import type { ProductRepository } from "../../db/product.repository.js";
import type { Clock } from "../clock.js";
import { AppError, ForbiddenError, UnauthorizedError, ValidationError } from "../errors.js";
import type { IngestService } from "../ingest/ingest-event.js";
import { describeIssues, issuesOf } from "../ingest/parse-event.js";
import { rawEventsToPayload } from "../ingest/raw-events/build-payload.js";
import { CaptureBatchSchema } from "../ingest/raw-events/raw-event.schema.js";
import type { InstallationMonitor } from "../admin/installation-monitor.js";
import { checkOrigin, normaliseOrigin, originAllowed } from "../products/origin-policy.js";
import type { Metrics } from "../metrics.js";
import { allowOrigin, allowPreflight } from "./capture-origin.js";
import { countIngestRejections } from "./http-metrics.js";
import type { RateLimiter } from "./rate-limit.js";
import { parseJson, rawBody } from "./json-body.js";

export interface CaptureRouteDeps {
  products: ProductRepository;
  ingest: IngestService;
  clock: Clock;
  maxBodyBytes: number;
  metrics: Metrics;
  /** Per product key and client address (RATE_LIMIT_PUBLIC_PER_MIN). */
  limiter: RateLimiter;
  installation: InstallationMonitor;
}

/** How long browsers may cache a preflight answer (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_S = 7200;

/** Lets the sending page read the answer — a refusal's `{error: {code, message}}` too — and nothing more. */
const readableByPage: RequestHandler = (req, res, next) => {
  res.vary("Origin");
  const origin = req.get("origin");
  if (origin && normaliseOrigin(origin)) allowOrigin(res, origin);
  next();
};

const requireJsonOrText: RequestHandler = (req, _res, next) => {
  const type = req.headers["content-type"];
  if (!type || !req.is(["application/json", "application/*+json", "text/plain"])) {
    const got = type ? ` (got ${JSON.stringify(type.slice(0, 100))})` : " (none was sent)";
    next(new AppError("unsupported_media_type", `Content-Type must be application/json or text/plain${got}`, 415));
    return;
  }
  next();
};

function productKeyOf(body: unknown): string | undefined {
  const key = body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>).product_key : undefined;
  return typeof key === "string" && key.trim() !== "" ? key.trim() : undefined;
}

export function captureRoutes(deps: CaptureRouteDeps): Router {
  const router = Router();

  // capture.js sends text/plain and never needs a preflight; this answers other senders that post JSON.
  // A preflight carries no body, hence no product key: any origin some product allows (or the same
  // origin) gets an answer, and the POST itself is checked against its own product.
  router.options("/v1/capture", (req, res) => {
    res.vary("Origin");
    const origin = req.get("origin");
    const allowed =
      origin !== undefined &&
      (originAllowed(origin, [], req.get("host")) ||
        deps.products.list().some((p) => p.allowedOrigins.length > 0 && originAllowed(origin, p.allowedOrigins, req.get("host"))));
    if (!origin || !allowed) {
      res.status(403).json({
        error: { code: "origin_not_allowed", message: origin ? `origin ${origin.slice(0, 200)} may not send capture events` : "preflight without an Origin header" },
      });
      return;
    }
    allowPreflight(res, origin, PREFLIGHT_MAX_AGE_S);
    res.status(204).end();
  });

  const notes = { installation: deps.installation, clock: deps.clock };
  router.post("/v1/capture", countIngestRejections(deps.metrics, "capture", notes), readableByPage, requireJsonOrText, rawBody(deps.maxBodyBytes), async (req, res) => {
    const body = parseJson(req.body as Buffer);
    const key = productKeyOf(body);
    if (!key) {
      throw new UnauthorizedError("missing_product_key", "product_key is missing: send the product's public key (PRODUCT_KEY)");
    }
    const decision = await deps.limiter.check({ product: key, address: req.ip });
    if (!decision.allowed) throw deps.limiter.errorFor(decision);
    const origin = req.get("origin");
    const product = deps.products.findByProductKey(key);
    const sighted = (productId: string | null, allowed: boolean, code: string | null, reason: string | null) => {
      const normalised = origin && normaliseOrigin(origin);
      if (normalised) deps.installation.noteOrigin({ productId, origin: normalised, channel: "capture", allowed, code, reason }, deps.clock.now());
    };
    if (!product) {
      const message = "product_key does not match any product: copy PRODUCT_KEY (npm run credentials shows it) into data-product-key";
      sighted(null, false, "unknown_product_key", message);
      throw new UnauthorizedError("unknown_product_key", message);
    }
    res.locals.productId = product.id;

    const verdict = checkOrigin(product.allowedOrigins, origin, req.get("host"));
    sighted(product.id, verdict.ok, verdict.ok ? null : verdict.code, verdict.ok ? null : verdict.reason);
    if (!verdict.ok) throw new ForbiddenError(verdict.code, `capture events refused: ${verdict.reason}`);

    const parsed = CaptureBatchSchema.safeParse(body);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error);
      throw new ValidationError(describeIssues(issues), issues);
    }
    const batch = parsed.data;
    const payload = rawEventsToPayload({
      sessionId: batch.session_id,
      userId: batch.user_id ?? null,
      email: null,
      forwardedAt: deps.clock.now() / 1000,
      events: batch.events,
    });
    const result = await deps.ingest.ingest(product.id, payload, "capture");
    res.status(202).json(result);
  });

  return router;
}

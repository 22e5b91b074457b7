/**
 * `POST /v1/capture` — raw browser events from capture.js (PROTOCOL.md §2.3).
 * Order of checks, cheapest first and nothing kept for an unauthenticated request (but the Installation
 * panel's bounded list of origins seen, so a wrong key is diagnosable): content type (415) →
 * size (413) → product key read from the raw bytes: its shape, then its product (401) → rate limit per
 * product and address (429) → Origin (403) → JSON (400) → schema (422) → userHash (401) → extraction,
 * labelling, ingest (409 when the session belongs to another user) → commit → 202. Nothing is stored
 * unless all passed.
 * Accepts `text/plain` as well as JSON: sendBeacon and a fetch without a preflight can only send that.
 * Every answer to a browser — refusals included — carries CORS headers for the page's origin, so capture.js
 * can read why it was refused and tell the developer in the console; a refusal grants nothing else.
 */
import type { AsyncProductRepository } from "../../db/store.js";
import { Router, type RequestHandler } from "express";
import type { Product } from "../../db/product.repository.js";
import type { InstallationMonitor } from "../admin/installation-monitor.js";
import type { Clock } from "../clock.js";
import { AppError, ForbiddenError, UnauthorizedError, ValidationError } from "../errors.js";
import type { IngestService } from "../ingest/ingest-event.js";
import { describeIssues, issuesOf } from "../ingest/parse-event.js";
import { rawEventsToPayload } from "../ingest/raw-events/build-payload.js";
import { CaptureBatchSchema } from "../ingest/raw-events/raw-event.schema.js";
import { isValidUserHash } from "../products/identity.js";
import { checkOrigin, normaliseOrigin, originAllowed, selfOrigin } from "../products/origin-policy.js";
import { isProductKeyShaped, PRODUCT_KEY_RULE, productKeyInBody } from "../products/product-key.js";
import type { Metrics } from "../metrics.js";
import { allowOrigin, allowPreflight } from "./capture-origin.js";
import { countIngestRejections } from "./http-metrics.js";
import type { RateLimiter } from "./rate-limit.js";
import { parseJson, rawBody } from "./json-body.js";
import { parseInput } from "../contracts/parse-input.js";

export interface CaptureRouteDeps {
  products: AsyncProductRepository;
  ingest: IngestService;
  clock: Clock;
  maxBodyBytes: number;
  metrics: Metrics;
  /** Per product key and client address (RATE_LIMIT_PUBLIC_PER_MIN). */
  limiter: RateLimiter;
  installation: InstallationMonitor;
  /** PUBLIC_URL's origin: what "own origin" means when set (else the request's Host). */
  publicOrigin: string | undefined;
  /** Told which address fed a session (the per-address model budget counts its suggestions against it). */
  onPublicSession?: (productId: string, sessionKey: string, address: string | undefined) => void;
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

const productKeyOf = (body: unknown): unknown =>
  body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>).product_key : undefined;

/** The product the raw body's key names, checked without parsing the body: 401 unless the key is well formed. */
async function authenticate(products: AsyncProductRepository, raw: Buffer): Promise<{ key: string; product: Product | undefined }> {
  const found = productKeyInBody(raw);
  if (found.kind === "missing") {
    throw new UnauthorizedError("missing_product_key", "product_key is missing: send the product's public key (PRODUCT_KEY)");
  }
  if (found.kind === "not_plain" || !isProductKeyShaped(found.value)) {
    throw new UnauthorizedError("invalid_product_key", `product_key must be a JSON string of ${PRODUCT_KEY_RULE} (check data-product-key)`);
  }
  return { key: found.value, product: await products.findByProductKey(found.value) };
}

export function captureRoutes(deps: CaptureRouteDeps): Router {
  const router = Router();

  // capture.js sends text/plain and never needs a preflight; this answers other senders that post JSON.
  // A preflight carries no body, hence no product key: any origin some product allows (or the same
  // origin) gets an answer, and the POST itself is checked against its own product.
  router.options("/v1/capture", async (req, res) => {
    res.vary("Origin");
    const origin = req.get("origin");
    const self = selfOrigin(deps.publicOrigin, req.get("host"));
    const allowed =
      origin !== undefined &&
      (originAllowed(origin, [], self) || (await deps.products.list()).some((p) => p.allowedOrigins.length > 0 && originAllowed(origin, p.allowedOrigins, self)));
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
    const raw = req.body as Buffer;
    const origin = req.get("origin");
    const sighted = (productId: string | null, allowed: boolean, code: string | null, reason: string | null) => {
      const normalised = origin && normaliseOrigin(origin);
      if (normalised) deps.installation.noteOrigin({ productId, origin: normalised, channel: "capture", allowed, code, reason }, deps.clock.now());
    };
    const { key, product } = await authenticate(deps.products, raw);
    if (!product) {
      const message = "product_key does not match any product: copy PRODUCT_KEY (npm run credentials shows it) into data-product-key";
      sighted(null, false, "unknown_product_key", message);
      throw new UnauthorizedError("unknown_product_key", message);
    }
    const decision = await deps.limiter.check({ product: product.id, address: req.ip });
    if (!decision.allowed) throw deps.limiter.errorFor(decision);
    res.locals.productId = product.id;

    const verdict = checkOrigin(product.allowedOrigins, origin, selfOrigin(deps.publicOrigin, req.get("host")));
    sighted(product.id, verdict.ok, verdict.ok ? null : verdict.code, verdict.ok ? null : verdict.reason);
    if (!verdict.ok) throw new ForbiddenError(verdict.code, `capture events refused: ${verdict.reason}`);

    const body = parseJson(raw);
    if (productKeyOf(body) !== key) {
      throw new UnauthorizedError("invalid_product_key", "product_key must appear once, at the top level of the batch");
    }
    const parsed = parseInput(CaptureBatchSchema, body);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error);
      throw new ValidationError(describeIssues(issues), issues);
    }
    const batch = parsed.data;
    // Only a verified user owns the session; a bare user_id is a label (anyone with the public key can send one).
    let owner: string | null = null;
    if (batch.user_id !== undefined && batch.user_hash !== undefined) {
      if (!isValidUserHash(product.identitySecret, batch.user_id, batch.user_hash)) {
        throw new UnauthorizedError("invalid_user_hash", "user_hash does not match user_id (it must be the hex HMAC-SHA256 of user_id with the identity secret)");
      }
      owner = batch.user_id;
    }
    const payload = rawEventsToPayload({
      sessionId: batch.session_id,
      userId: batch.user_id ?? null,
      email: null,
      forwardedAt: deps.clock.now() / 1000,
      events: batch.events,
    });
    const result = await deps.ingest.ingest(product.id, payload, "capture", owner);
    deps.onPublicSession?.(product.id, batch.session_id, req.ip);
    res.status(202).json(result);
  });

  return router;
}

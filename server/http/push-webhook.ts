/**
 * The checks of `POST /v1/webhooks/actions` once its body has been read — one implementation, used by the
 * express route and by the fast path that serves the same route ahead of express (push-fast-path.ts):
 *
 *   rate limit (429) → product (404) → signature over the raw bytes (401) → JSON (400) → schema (422) → commit.
 *
 * The signature is checked before any parse: the product (and so its secret) comes from a linear scan of the
 * bytes for the top-level `product_id` (product-id-scan.ts), so a sender without the secret can make the server
 * do no more than read and hash its body, whatever it sends (malformed, deeply nested, huge).
 */
import type { AsyncProductRepository } from "../../db/store.js";
import type { IncomingHttpHeaders } from "node:http";
import type { Product } from "../../db/product.repository.js";
import type { Clock } from "../clock.js";
import { BadRequestError, NotFoundError, ValidationError } from "../errors.js";
import type { IngestResult, IngestService } from "../ingest/ingest-event.js";
import { describeIssues, parseAutoplayEvent } from "../ingest/parse-event.js";
import { scanProductId } from "../ingest/product-id-scan.js";
import { stripNul } from "../contracts/without-nul.js";
import { verifyPushSignature } from "../ingest/push-signature.js";
import { parseJson } from "./json-body.js";
import { rateLimitHeaders, type RateLimiter } from "./rate-limit.js";

export interface PushWebhookDeps {
  products: AsyncProductRepository;
  ingest: IngestService;
  clock: Clock;
  defaultProductId: string;
  signatureToleranceS: number;
  /** RATE_LIMIT_WEBHOOK_PER_MIN, per product and client address. */
  limiter: RateLimiter;
}

export interface PushRequest {
  /** The body exactly as received (what the signature covers). */
  raw: Buffer;
  headers: IncomingHttpHeaders;
  /** The client address rate limits key on (`req.ip`: the socket's, or the one TRUST_PROXY vouches for). */
  address: string | undefined;
  /** Told the product once it is known to exist (refusals after that are noted against it). */
  onProduct?: (productId: string) => void;
}

export type PushCallback = (error: unknown, result?: IngestResult) => void;

/** The product a parsed body names (`product_id`), or the default product when it names none. */
export function productIdOf(body: unknown, defaultProductId: string): string {
  const named = body && typeof body === "object" ? (body as Record<string, unknown>).product_id : undefined;
  if (typeof named === "string" && named.trim() !== "") return named.trim();
  if (typeof named === "number") return String(named);
  return defaultProductId;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
};

export function createPushWebhook(deps: PushWebhookDeps) {
  const { products, limiter } = deps;

  function afterRateLimit(req: PushRequest, productId: string, product: Product | undefined, done: PushCallback): void {
    if (!product) throw new NotFoundError("unknown_product", `unknown product ${JSON.stringify(productId.slice(0, 64))}`);
    verifyPushSignature(
      { connector: header(req.headers, "x-connector-signature"), pilotlight: header(req.headers, "x-pilotlight-signature") },
      req.raw,
      product.pushSecret,
      deps.clock.now() / 1000,
      deps.signatureToleranceS,
    );
    const body = parseJson(req.raw);
    // The scan and JSON.parse agree on every well-formed body; should they ever not, the signature was checked
    // with another product's secret than the body names, so nothing is stored.
    if (productIdOf(body, deps.defaultProductId) !== productId) {
      throw new BadRequestError("ambiguous_product", "product_id could not be read unambiguously from the body");
    }
    const parsed = parseAutoplayEvent(body);
    if (!parsed.ok) throw new ValidationError(describeIssues(parsed.issues), parsed.issues);
    deps.ingest.submit(product.id, parsed.value, "push", undefined, done);
  }

  return {
    limiter,
    /**
     * Runs every check on a read body and ingests it; `done` hears the committed result, or the AppError that
     * refused the request (nothing stored). Rate-limit headers are set through `setHeader` either way.
     */
    accept(req: PushRequest, setHeader: (name: string, value: string) => void, done: PushCallback): void {
      const productId = stripNul(scanProductId(req.raw) ?? deps.defaultProductId);
      products.findById(productId).then((product) => {
        if (product) req.onProduct?.(product.id);
        // Only real products get their own bucket, so naming made-up products does not buy a sender more requests.
        return limiter.check({ product: product ? productId : undefined, address: req.address }).then((decision) => {
          for (const [name, value] of rateLimitHeaders(limiter, decision)) setHeader(name, value);
          if (!decision.allowed) throw limiter.errorFor(decision);
          afterRateLimit(req, productId, product, done);
        });
      }).catch((error: unknown) => done(error));
    },
  };
}

export type PushWebhook = ReturnType<typeof createPushWebhook>;

/**
 * Rate limits for public endpoints, keyed per product and client address (express-rate-limit, fixed
 * one-minute windows, in-memory — one process, see ARCHITECTURE "Scaling past one machine").
 *
 * One factory for every public entry point:
 *   - HTTP routes use `limiter.middleware` (429 + `Retry-After` + our JSON error, via the error handler);
 *   - Socket.IO handshakes use `await limiter.check({product, address})` and refuse with the decision.
 * Created per app (never at module level) and shut down in `close()`.
 */
import type { Request, RequestHandler } from "express";
import { ipKeyGenerator, MemoryStore, rateLimit } from "express-rate-limit";
import { TooManyRequestsError } from "../errors.js";
import type { Metrics } from "../metrics.js";

const WINDOW_MS = 60_000;

export interface RateLimitOptions {
  /** Names the limiter in metrics and error messages: "webhook", "capture", "posthog", "socket". */
  name: string;
  /** Requests per minute per (product, client address). 0 turns the limiter off. */
  perMinute: number;
  /**
   * The product part of an HTTP request's key (product key or id; from a header, the query or an already
   * parsed body). Return undefined when the request names none: it then shares the address's "-" bucket.
   */
  productOf?: (req: Request) => string | undefined;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the caller's window resets (what `Retry-After` says). */
  retryAfterS: number;
}

export interface RateLimiter {
  readonly name: string;
  readonly perMinute: number;
  /** Express middleware: calls next() or answers 429 through the error handler. */
  readonly middleware: RequestHandler;
  /** Counts one hit for (product, address) outside HTTP — e.g. a Socket.IO handshake — and decides. */
  check(key: { product?: string | undefined; address: string | undefined }): Promise<RateDecision>;
  /** The 429 error for a refused decision, for callers of `check()` that answer themselves. */
  errorFor(decision: RateDecision): TooManyRequestsError;
}

/** `product|address`; IPv6 addresses are reduced to their /56 so one host cannot rotate through its block. */
export function rateLimitKey(product: string | undefined, address: string | undefined): string {
  return `${product ?? "-"}|${address ? ipKeyGenerator(address) : "unknown"}`;
}

export function createRateLimits(deps: { metrics: Metrics }) {
  const stores: MemoryStore[] = [];
  const sizes = new Map<string, () => number>();
  deps.metrics.onScrape(() => {
    for (const [name, size] of sizes) deps.metrics.rateLimitKeys.set({ limiter: name }, size());
  });

  function create(options: RateLimitOptions): RateLimiter {
    const { name, perMinute } = options;
    const errorFor = (d: RateDecision) =>
      new TooManyRequestsError(
        `too many requests: the ${name} limit is ${d.limit} per minute for one product from one address; retry after ${d.retryAfterS} s`,
        d.retryAfterS,
      );

    if (perMinute <= 0) {
      const open: RateDecision = { allowed: true, limit: 0, remaining: Number.POSITIVE_INFINITY, retryAfterS: 0 };
      return {
        name,
        perMinute,
        middleware: (_req, _res, next) => next(),
        check: () => Promise.resolve(open),
        errorFor,
      };
    }

    const store = new MemoryStore();
    stores.push(store);
    const internals = store as unknown as { previous: Map<string, unknown>; current: Map<string, unknown> };
    sizes.set(name, () => internals.previous.size + internals.current.size);
    const middleware = rateLimit({
      windowMs: WINDOW_MS,
      limit: perMinute,
      store,
      standardHeaders: "draft-7",
      legacyHeaders: false,
      keyGenerator: (req) => rateLimitKey(options.productOf?.(req), req.ip),
      // Our key generator does call ipKeyGenerator (through rateLimitKey); the check only reads source text.
      validate: { keyGeneratorIpFallback: false },
      handler: (req, _res, next) => {
        deps.metrics.rateLimited.inc({ limiter: name });
        const info = (req as Request & { rateLimit?: { limit: number; resetTime?: Date } }).rateLimit;
        next(errorFor({ allowed: false, limit: info?.limit ?? perMinute, remaining: 0, retryAfterS: secondsUntil(info?.resetTime) }));
      },
    });

    return {
      name,
      perMinute,
      middleware,
      async check(key) {
        const { totalHits, resetTime } = await store.increment(rateLimitKey(key.product, key.address));
        const allowed = totalHits <= perMinute;
        if (!allowed) deps.metrics.rateLimited.inc({ limiter: name });
        return { allowed, limit: perMinute, remaining: Math.max(perMinute - totalHits, 0), retryAfterS: secondsUntil(resetTime) };
      },
      errorFor,
    };
  }

  return {
    create,
    /** Stops the stores' cleanup timers. */
    close(): void {
      for (const store of stores) store.shutdown();
    },
  };
}

export type RateLimits = ReturnType<typeof createRateLimits>;

function secondsUntil(resetTime: Date | undefined): number {
  if (!resetTime) return Math.ceil(WINDOW_MS / 1000);
  return Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000));
}

/**
 * Rate limits, keyed per product and client address (fixed windows, one minute unless told otherwise).
 * Counters live in a RateLimitStore: in process and bounded (RATE_LIMIT_MAX_KEYS) by default, so a flood
 * of distinct clients cannot grow memory; a shared store can replace it for several instances.
 *
 * One factory for every entry point:
 *   - HTTP routes use `limiter.middleware` (429 + `Retry-After` + our JSON error, via the error handler), or
 *     `check()` with `rateLimitHeaders()` when they answer without express (the push webhook's fast path);
 *   - Socket.IO handshakes use `await limiter.check({product, address})`, widget commands `checkKey(key)`.
 * Callers validate what they key on first (a product key's format and existence), so unknown values never
 * get a counter of their own. Created per app (never at module level) and shut down in `close()`.
 */
import type { Request, RequestHandler } from "express";
import { ipKeyGenerator, rateLimit, type Store } from "express-rate-limit";
import type { Clock } from "../clock.js";
import { TooManyRequestsError } from "../errors.js";
import { createMemoryRateLimitStore, type RateLimitStore } from "../limits/rate-limit-store.js";
import type { Metrics } from "../metrics.js";

const MINUTE_MS = 60_000;

export interface RateLimitOptions {
  /** Names the limiter in metrics and error messages: "webhook", "capture", "posthog", "socket", … */
  name: string;
  /** Requests per window per key. 0 turns the limiter off. */
  perMinute: number;
  /** Window length; default one minute (the option keeps its name: most limits are per minute). */
  windowMs?: number;
  /** How the 429 message names the key ("one product from one address" by default). */
  scope?: string;
  /**
   * The product part of an HTTP request's key (an existing product's id, from a header, the query or an
   * already parsed body). Return undefined when the request names none: it then shares the address's "-" bucket.
   */
  productOf?: (req: Request) => Promise<string | undefined>;
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
  readonly windowMs: number;
  /** Express middleware: calls next() or answers 429 through the error handler. */
  readonly middleware: RequestHandler;
  /** Counts one hit for (product, address) outside HTTP — e.g. a Socket.IO handshake — and decides. */
  check(key: { product?: string | undefined; address: string | undefined }): Promise<RateDecision>;
  /** Counts one hit for a key of the caller's own (a socket, a conversation) and decides. */
  checkKey(key: string): Promise<RateDecision>;
  /** The 429 error for a refused decision, for callers of `check()` that answer themselves. */
  errorFor(decision: RateDecision): TooManyRequestsError;
}

/** `product|address`; IPv6 addresses are reduced to their /56 so one host cannot rotate through its block. */
export function rateLimitKey(product: string | undefined, address: string | undefined): string {
  return `${product ?? "-"}|${address ? ipKeyGenerator(address) : "unknown"}`;
}

/** express-rate-limit's view of our store. */
function asExpressStore(store: RateLimitStore): Store {
  return {
    localKeys: true,
    async increment(key) {
      const { count, resetAt } = await store.hit(key);
      return { totalHits: count, resetTime: new Date(resetAt) };
    },
    decrement: (key) => store.undo(key),
    resetKey: () => undefined,
  };
}

export interface RateLimitsDeps {
  metrics: Metrics;
  clock: Clock;
  /** RATE_LIMIT_MAX_KEYS: keys each limiter's in-process store holds at most. */
  maxKeys: number;
  /** Where counters live; default the bounded in-process store. */
  createStore?: (options: { name: string; windowMs: number }) => RateLimitStore;
}

export function createRateLimits(deps: RateLimitsDeps) {
  const { metrics, clock } = deps;
  const stores: { name: string; store: RateLimitStore }[] = [];
  const stats = (): Record<string, number> => {
    const held: Record<string, number> = {};
    for (const { name, store } of stores) held[name] = (held[name] ?? 0) + store.size();
    return held;
  };
  metrics.onScrape(() => {
    for (const [name, keys] of Object.entries(stats())) metrics.rateLimitKeys.set({ limiter: name }, keys);
  });
  const newStore =
    deps.createStore ?? ((o: { name: string; windowMs: number }) => createMemoryRateLimitStore({ windowMs: o.windowMs, maxKeys: deps.maxKeys, now: clock.now }));

  function create(options: RateLimitOptions): RateLimiter {
    const { name, perMinute } = options;
    const windowMs = options.windowMs ?? MINUTE_MS;
    const per = windowMs === MINUTE_MS ? "per minute" : windowMs === 60 * MINUTE_MS ? "per hour" : `per ${Math.round(windowMs / MINUTE_MS)} minutes`;
    const errorFor = (d: RateDecision) =>
      new TooManyRequestsError(
        `too many requests: the ${name} limit is ${d.limit} ${per} for ${options.scope ?? "one product from one address"}; retry after ${d.retryAfterS} s`,
        d.retryAfterS,
      );

    if (perMinute <= 0) {
      const open: RateDecision = { allowed: true, limit: 0, remaining: Number.POSITIVE_INFINITY, retryAfterS: 0 };
      return {
        name,
        perMinute,
        windowMs,
        middleware: (_req, _res, next) => next(),
        check: () => Promise.resolve(open),
        checkKey: () => Promise.resolve(open),
        errorFor,
      };
    }

    const store = newStore({ name, windowMs });
    stores.push({ name, store });
    const secondsUntil = (resetAt: number) => Math.max(1, Math.ceil((resetAt - clock.now()) / 1000));
    const middleware = rateLimit({
      windowMs,
      limit: perMinute,
      store: asExpressStore(store),
      standardHeaders: "draft-7",
      legacyHeaders: false,
      keyGenerator: async (req) => rateLimitKey(await options.productOf?.(req), req.ip),
      validate: {
        // Our key generator does call ipKeyGenerator (through rateLimitKey); the check only reads source text.
        keyGeneratorIpFallback: false,
        // Limiters are made when the app is (never in a handler), and the check reads a new Error's stack: under
        // `--enable-source-maps` (npm start) that parses the bundle's whole source map and keeps it, ~8 MB of heap.
        creationStack: false,
      },
      handler: (req, _res, next) => {
        metrics.rateLimited.inc({ limiter: name });
        const info = (req as Request & { rateLimit?: { limit: number; resetTime?: Date } }).rateLimit;
        const resetAt = info?.resetTime?.getTime() ?? clock.now() + windowMs;
        next(errorFor({ allowed: false, limit: info?.limit ?? perMinute, remaining: 0, retryAfterS: secondsUntil(resetAt) }));
      },
    });

    async function checkKey(key: string): Promise<RateDecision> {
      const { count, resetAt } = await store.hit(key);
      const allowed = count <= perMinute;
      if (!allowed) metrics.rateLimited.inc({ limiter: name });
      return { allowed, limit: perMinute, remaining: Math.max(perMinute - count, 0), retryAfterS: secondsUntil(resetAt) };
    }

    return {
      name,
      perMinute,
      windowMs,
      middleware,
      check: (key) => checkKey(rateLimitKey(key.product, key.address)),
      checkKey,
      errorFor,
    };
  }

  return {
    create,
    /** Keys held per limiter name (what /metrics shows as pilotlight_rate_limit_keys). */
    stats,
    close(): void {
      for (const { store } of stores) store.close();
    },
  };
}

export type RateLimits = ReturnType<typeof createRateLimits>;

/**
 * The IETF draft-7 headers (`RateLimit-Policy`, `RateLimit`) for a decision, as express-rate-limit's middleware
 * sets them — for routes that call `check()` themselves. None when the limiter is off.
 */
export function rateLimitHeaders(limiter: RateLimiter, d: RateDecision): [string, string][] {
  if (limiter.perMinute <= 0) return [];
  return [
    ["RateLimit-Policy", `${d.limit};w=${Math.ceil(limiter.windowMs / 1000)}`],
    ["RateLimit", `limit=${d.limit}, remaining=${d.remaining}, reset=${d.retryAfterS}`],
  ];
}

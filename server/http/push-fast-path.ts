/**
 * `POST /v1/webhooks/actions` served on the HTTP server ahead of express. The push webhook is the hot route
 * of a busy instance, and express's per-request machinery (router, a dozen middleware, `res.json`) cost more
 * than the whole ingest behind it; this path does the same work without it, and answers exactly as the express
 * route would: the same checks (push-webhook.ts, json-body.ts, body-limit.ts), error bodies and codes
 * (error-handler.ts), security headers (helmet's, computed once), rate-limit headers, metrics and request log.
 *
 * It takes only the plain case — POST to the exact path, an uncompressed body — and returns false for anything
 * else, which express then serves (compressed bodies, other methods, a trailing slash…).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { PayloadTooLargeError } from "../errors.js";
import type { IngestResult } from "../ingest/ingest-event.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { declaredTooLarge } from "./body-limit.js";
import { errorResponse } from "./error-handler.js";
import { countIngestRejection, observeRequest, type RefusalNotes } from "./http-metrics.js";
import { jsonContentTypeError } from "./json-body.js";
import type { PushWebhook } from "./push-webhook.js";
import { logRequest } from "./request-log.js";
import { securityHeadersFor } from "./security-headers.js";
import { PUSH_ROUTE } from "./webhooks.routes.js";

export interface PushFastPathDeps {
  push: PushWebhook;
  maxBodyBytes: number;
  logger: Logger;
  metrics: Metrics;
  /** Refusals are noted for the admin Installation panel, as the express route notes them. */
  refusalNotes?: RefusalNotes;
  /** The client address express would see as `req.ip` (TRUST_PROXY applies). */
  clientAddress: (req: IncomingMessage) => string | undefined;
}

const JSON_TYPE = "application/json; charset=utf-8";

export function createPushFastPath(deps: PushFastPathDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { push, maxBodyBytes, logger, metrics } = deps;
  const fixedHeaders = securityHeadersFor(PUSH_ROUTE).flat();

  /** What the answer to one request needs besides its status and body. */
  interface Exchange {
    req: IncomingMessage;
    res: ServerResponse;
    start: number;
    /** Rate-limit headers, flat name/value pairs. */
    extra: string[];
    /** The product, once known to exist. */
    productId: string | null;
  }

  function answer(x: Exchange, status: number, body: string, headers: string[], refusal?: { code: string; message: string }): void {
    x.res.writeHead(status, [...fixedHeaders, ...x.extra, ...headers, "Content-Type", JSON_TYPE, "Content-Length", String(Buffer.byteLength(body))]);
    x.res.end(body);
    const ms = performance.now() - x.start;
    observeRequest(metrics, "POST", PUSH_ROUTE, status, ms);
    if (refusal) countIngestRejection(metrics, "push", { status, code: refusal.code, message: refusal.message, productId: x.productId }, deps.refusalNotes);
    logRequest(logger, { method: "POST", path: PUSH_ROUTE, status, ms, code: refusal?.code, reason: refusal?.message, origin: x.req.headers.origin });
  }

  function fail(x: Exchange, error: unknown): void {
    if (x.res.headersSent || x.res.destroyed) return;
    const { status, body, code, headers } = errorResponse(error, PUSH_ROUTE, logger, metrics);
    const closing = error instanceof PayloadTooLargeError ? ["Connection", "close"] : [];
    answer(x, status, JSON.stringify(body), [...headers.flat(), ...closing], { code, message: String(body.error.message) });
  }

  function accepted(x: Exchange, result: IngestResult): void {
    if (x.res.destroyed) return;
    answer(x, 202, `{"accepted":${result.accepted},"duplicates":${result.duplicates}}`, []);
  }

  function handleBody(x: Exchange, raw: Buffer): void {
    push.accept(
      { raw, headers: x.req.headers, address: deps.clientAddress(x.req), onProduct: (id) => (x.productId = id) },
      (name, value) => x.extra.push(name, value),
      (error, result) => (error === undefined ? accepted(x, result!) : fail(x, error)),
    );
  }

  return function handle(req, res) {
    if (req.method !== "POST") return false;
    const url = req.url ?? "";
    if (!(url === PUSH_ROUTE || (url.startsWith(PUSH_ROUTE) && url.charCodeAt(PUSH_ROUTE.length) === 0x3f))) return false;
    const encoding = req.headers["content-encoding"];
    if (encoding !== undefined && encoding.toLowerCase() !== "identity") return false;

    const x: Exchange = { req, res, start: performance.now(), extra: [], productId: null };
    const refused = declaredTooLarge(req.headers, maxBodyBytes) ?? jsonContentTypeError(req.headers);
    if (refused) {
      fail(x, refused);
      return true;
    }
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let length = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      length += chunk.length;
      if (length > maxBodyBytes) {
        over = true;
        fail(x, new PayloadTooLargeError(maxBodyBytes));
        return;
      }
      if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    });
    req.on("end", () => {
      if (over) return;
      handleBody(x, chunks ? Buffer.concat(chunks, length) : (first ?? Buffer.alloc(0)));
    });
    return true;
  };
}

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
import { countIngestRejection, observeRequest } from "./http-metrics.js";
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
  /** The client address express would see as `req.ip` (TRUST_PROXY applies). */
  clientAddress: (req: IncomingMessage) => string | undefined;
}

const JSON_TYPE = "application/json; charset=utf-8";

export function createPushFastPath(deps: PushFastPathDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { push, maxBodyBytes, logger, metrics } = deps;
  const fixedHeaders = securityHeadersFor(PUSH_ROUTE).flat();

  function answer(res: ServerResponse, start: number, status: number, body: string, extra: string[], code?: string): void {
    const headers = [...fixedHeaders, ...extra, "Content-Type", JSON_TYPE, "Content-Length", String(Buffer.byteLength(body))];
    res.writeHead(status, headers);
    res.end(body);
    const ms = performance.now() - start;
    observeRequest(metrics, "POST", PUSH_ROUTE, status, ms);
    countIngestRejection(metrics, "push", status, code);
    logRequest(logger, "POST", PUSH_ROUTE, status, ms);
  }

  function fail(res: ServerResponse, start: number, error: unknown, extra: string[]): void {
    if (res.headersSent || res.destroyed) return;
    const { status, body, code, headers } = errorResponse(error, PUSH_ROUTE, logger, metrics);
    const closing = error instanceof PayloadTooLargeError ? ["Connection", "close"] : [];
    answer(res, start, status, JSON.stringify(body), [...extra, ...headers.flat(), ...closing], code);
  }

  function accepted(res: ServerResponse, start: number, result: IngestResult, extra: string[]): void {
    if (res.destroyed) return;
    answer(res, start, 202, `{"accepted":${result.accepted},"duplicates":${result.duplicates}}`, extra);
  }

  function handleBody(req: IncomingMessage, res: ServerResponse, start: number, raw: Buffer): void {
    const extra: string[] = [];
    push.accept(
      { raw, headers: req.headers, address: deps.clientAddress(req) },
      (name, value) => extra.push(name, value),
      (error, result) => (error === undefined ? accepted(res, start, result!, extra) : fail(res, start, error, extra)),
    );
  }

  return function handle(req, res) {
    if (req.method !== "POST") return false;
    const url = req.url ?? "";
    if (!(url === PUSH_ROUTE || (url.startsWith(PUSH_ROUTE) && url.charCodeAt(PUSH_ROUTE.length) === 0x3f))) return false;
    const encoding = req.headers["content-encoding"];
    if (encoding !== undefined && encoding.toLowerCase() !== "identity") return false;

    const start = performance.now();
    const refused = declaredTooLarge(req.headers, maxBodyBytes) ?? jsonContentTypeError(req.headers);
    if (refused) {
      fail(res, start, refused, []);
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
        fail(res, start, new PayloadTooLargeError(maxBodyBytes), []);
        return;
      }
      if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    });
    req.on("end", () => {
      if (over) return;
      handleBody(req, res, start, chunks ? Buffer.concat(chunks, length) : (first ?? Buffer.alloc(0)));
    });
    return true;
  };
}

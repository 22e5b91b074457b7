/**
 * The one place HTTP errors become responses: `{error: {code, message, issues?}}` with the right status.
 * Unknown errors are logged and answered with a bare `internal_error`, never echoed.
 */
import type { ErrorRequestHandler, RequestHandler } from "express";
import { isDatabaseUnavailable } from "../../db/unavailable.js";
import { AppError, PayloadTooLargeError, TooManyRequestsError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { routeLabel } from "./http-metrics.js";

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
  expose?: boolean;
}

export function toHttpError(err: unknown, logger: Logger): { status: number; body: { error: Record<string, unknown> } } {
  if (err instanceof AppError) {
    return { status: err.status, body: { error: { code: err.code, message: err.message, ...err.details } } };
  }
  const e = err as BodyParserError;
  if (e?.type === "entity.too.large") {
    const tooLarge = new PayloadTooLargeError(e.limit ?? 0);
    return { status: 413, body: { error: { code: tooLarge.code, message: tooLarge.message } } };
  }
  // A body that does not inflate as its Content-Encoding says: body-parser passes zlib's error on, with
  // zlib's code (Z_DATA_ERROR, ERR_…) and no `type` of its own.
  if (e?.status === 400 && e.type === undefined && typeof (e as { code?: unknown }).code === "string") {
    return {
      status: 400,
      body: {
        error: {
          code: "bad_content_encoding",
          message: `request body does not decode as its Content-Encoding says (${e.message.slice(0, 100)}); send it uncompressed or gzip/deflate/br-encoded as declared`,
        },
      },
    };
  }
  // The router could not percent-decode a path parameter (`/v1/stream/%E0%A4%A`): a malformed URL, not our fault.
  if (e instanceof URIError && e.status === 400) {
    return {
      status: 400,
      body: { error: { code: "malformed_url", message: `the URL path is not valid percent-encoding (${e.message.slice(0, 100)})` } },
    };
  }
  // Other body-parser / http-errors failures (aborted request, unsupported encoding…) are the client's doing.
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500 && e.expose) {
    return { status: e.status, body: { error: { code: e.type?.replace(/\W/g, "_") ?? "bad_request", message: e.message } } };
  }
  if (isDatabaseUnavailable(err)) {
    // Server mode with PostgreSQL away: nothing was committed; the client retries (Retry-After, see errorResponse).
    logger.warn({ err: (err as Error).message }, "database unavailable");
    return { status: 503, body: { error: { code: "database_unavailable", message: "the database did not answer; nothing was stored, retry shortly" } } };
  }
  logger.error({ err }, "unhandled error");
  return { status: 500, body: { error: { code: "internal_error", message: "internal error" } } };
}

/** HTTP statuses that mean "your credentials were refused". */
const AUTH_STATUSES = new Set([401, 403]);

export interface ErrorResponse {
  status: number;
  body: { error: Record<string, unknown> };
  /** The stable error code (also in the body). */
  code: string;
  /** Headers the answer needs besides the JSON content type (`Retry-After`). */
  headers: [string, string][];
}

/**
 * What an error becomes on the wire, with its metrics counted — the one mapping behind the express error
 * handler and the push webhook's fast path. `route` is the matched route pattern (metrics label).
 */
export function errorResponse(err: unknown, route: string, logger: Logger, metrics?: Metrics): ErrorResponse {
  const { status, body } = toHttpError(err, logger);
  const code = String(body.error.code);
  if (metrics) {
    metrics.httpErrors.inc({ route, status: String(status), code });
    if (AUTH_STATUSES.has(status)) metrics.authFailures.inc({ route, code });
  }
  const headers: [string, string][] =
    err instanceof TooManyRequestsError ? [["Retry-After", String(err.retryAfterS)]] : code === "database_unavailable" ? [["Retry-After", "1"]] : [];
  return { status, body, code, headers };
}

export function errorHandler(logger: Logger, metrics?: Metrics): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const { status, body, code, headers } = errorResponse(err, routeLabel(req), logger, metrics);
    // Left for per-route metrics (e.g. ingest rejections by reason) that read it when the response finishes.
    res.locals.errorCode = code;
    res.locals.errorMessage = String(body.error.message);
    for (const [name, value] of headers) res.setHeader(name, value);
    res.status(status).json(body);
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: "not_found", message: `no route for ${req.method} ${req.path}` } });
};

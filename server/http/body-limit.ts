/**
 * Body-size limit for every route, including routes that never read a body: a request that declares a
 * Content-Length above MAX_BODY_BYTES is refused with 413 before any route runs. Bodies sent without a
 * length (chunked) are limited while they are read, by the body readers (`rawBody`, express.json), which
 * every body-reading route must give the same MAX_BODY_BYTES.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { RequestHandler } from "express";
import { PayloadTooLargeError } from "../errors.js";

/** The 413 for a request that declares a Content-Length above `maxBytes`, or undefined. */
export function declaredTooLarge(headers: IncomingHttpHeaders, maxBytes: number): PayloadTooLargeError | undefined {
  const declared = headers["content-length"];
  return declared !== undefined && Number(declared) > maxBytes ? new PayloadTooLargeError(maxBytes) : undefined;
}

export function bodySizeLimit(maxBytes: number): RequestHandler {
  return (req, _res, next) => next(declaredTooLarge(req.headers, maxBytes));
}

/**
 * Body-size limit for every route, including routes that never read a body: a request that declares a
 * Content-Length above MAX_BODY_BYTES is refused with 413 before any route runs. Bodies sent without a
 * length (chunked) are limited while they are read, by the body readers (`rawBody`, express.json), which
 * every body-reading route must give the same MAX_BODY_BYTES.
 */
import type { RequestHandler } from "express";
import { PayloadTooLargeError } from "../errors.js";

export function bodySizeLimit(maxBytes: number): RequestHandler {
  return (req, _res, next) => {
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > maxBytes) {
      next(new PayloadTooLargeError(maxBytes));
      return;
    }
    next();
  };
}

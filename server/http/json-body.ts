/**
 * Body handling for JSON endpoints that need the raw bytes (signatures) — or just a size limit and a
 * clear error. Content type is checked before any byte is read; the size limit is enforced while reading.
 */
import type { IncomingHttpHeaders } from "node:http";
import express, { type RequestHandler } from "express";
import { jsonMayHoldNul, withoutNul } from "../contracts/without-nul.js";
import { BadRequestError, UnsupportedMediaTypeError } from "../errors.js";

/** `application/json` or `application/<anything>+json`, once parameters are dropped and case folded. */
const JSON_MEDIA_TYPE = /^application\/(?:[\w!#$&^.+-]+\+)?json$/;

/**
 * The 415 for a request that does not declare a JSON body (`application/json`, `application/*+json`, any
 * charset), or undefined when it does. Like express's `req.is`, a request with neither a length nor a chunked
 * body declares no body at all. Shared by the express routes and the push webhook's fast path.
 */
export function jsonContentTypeError(headers: IncomingHttpHeaders): UnsupportedMediaTypeError | undefined {
  const type = headers["content-type"];
  const hasBody = headers["transfer-encoding"] !== undefined || !Number.isNaN(Number(headers["content-length"]));
  if (type && hasBody) {
    const semicolon = type.indexOf(";");
    const media = (semicolon < 0 ? type : type.slice(0, semicolon)).trim().toLowerCase();
    if (JSON_MEDIA_TYPE.test(media)) return undefined;
  }
  return new UnsupportedMediaTypeError(type);
}

/** 415 unless the request declares a JSON body (`jsonContentTypeError`). */
export const requireJson: RequestHandler = (req, _res, next) => {
  next(jsonContentTypeError(req.headers));
};

/** Reads the body into a Buffer at `req.body`; over `limitBytes` becomes a 413 via the error handler. */
export function rawBody(limitBytes: number): RequestHandler {
  return express.raw({ type: () => true, limit: limitBytes });
}

/** JSON.parse with a 400 that says where the JSON broke. */
export function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) throw new BadRequestError("malformed_json", "request body is empty; expected a JSON object");
  try {
    const value: unknown = JSON.parse(raw.toString("utf8"));
    // Checked on the bytes first: the walk costs nothing on the bodies (nearly all) that have no NUL escape.
    return jsonMayHoldNul(raw) ? withoutNul(value) : value;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new BadRequestError("malformed_json", `request body is not valid JSON: ${detail.slice(0, 200)}`);
  }
}

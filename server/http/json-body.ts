/**
 * Body handling for JSON endpoints that need the raw bytes (signatures) — or just a size limit and a
 * clear error. Content type is checked before any byte is read; the size limit is enforced while reading.
 */
import express, { type RequestHandler } from "express";
import { BadRequestError, UnsupportedMediaTypeError } from "../errors.js";

/** 415 unless the request declares a JSON body (`application/json`, `application/*+json`, any charset). */
export const requireJson: RequestHandler = (req, _res, next) => {
  const type = req.headers["content-type"];
  if (!type || !req.is(["application/json", "application/*+json"])) {
    next(new UnsupportedMediaTypeError(type));
    return;
  }
  next();
};

/** Reads the body into a Buffer at `req.body`; over `limitBytes` becomes a 413 via the error handler. */
export function rawBody(limitBytes: number): RequestHandler {
  return express.raw({ type: () => true, limit: limitBytes });
}

/** JSON.parse with a 400 that says where the JSON broke. */
export function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) throw new BadRequestError("malformed_json", "request body is empty; expected a JSON object");
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new BadRequestError("malformed_json", `request body is not valid JSON: ${detail.slice(0, 200)}`);
  }
}

/** What `parseJsonBody` leaves in `req.body`: the exact bytes (for signatures) and their parsed value. */
export interface JsonBody {
  raw: Buffer;
  json: unknown;
}

/** After `rawBody`: parses once (400 on malformed JSON) so later middleware — e.g. a rate limit keyed by the product the body names — and the handler share the result. */
export const parseJsonBody: RequestHandler = (req, _res, next) => {
  const raw = req.body as Buffer;
  req.body = { raw, json: parseJson(raw) } satisfies JsonBody;
  next();
};

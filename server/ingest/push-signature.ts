/**
 * Verifies push-webhook signatures (PROTOCOL.md §2.1). Two schemes:
 *  - `X-Connector-Signature: sha256=<hex>` — Autoplay's, HMAC over the raw body;
 *  - `X-Pilotlight-Signature: t=<unix s>,v1=<hex>[,v1=<hex>…]` — HMAC over "<t>." + raw body, with a
 *    replay window; several v1 entries allow secret rotation.
 * Every digest comparison is constant-time.
 */
import crypto from "node:crypto";
import { UnauthorizedError } from "../errors.js";

export interface SignatureHeaders {
  connector?: string | undefined;
  pilotlight?: string | undefined;
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

export function hmacHex(secret: string, ...parts: (string | Buffer)[]): string {
  const h = crypto.createHmac("sha256", secret);
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/** Builds an `X-Pilotlight-Signature` header value — for senders, tests and the docs. */
export function signPilotlight(secret: string, body: string | Buffer, t: number): string {
  return `t=${t},v1=${hmacHex(secret, `${t}.`, body)}`;
}

/** Builds an `X-Connector-Signature` header value. */
export function signConnector(secret: string, body: string | Buffer): string {
  return `sha256=${hmacHex(secret, body)}`;
}

function digestMatches(expected: Buffer, candidateHex: string): boolean {
  if (!HEX_SHA256.test(candidateHex)) return false;
  return crypto.timingSafeEqual(expected, Buffer.from(candidateHex, "hex"));
}

/**
 * Throws UnauthorizedError (401) naming what is wrong; returns normally when the body is authentic.
 * `nowSeconds` and `toleranceSeconds` bound the replay window of the timestamped scheme.
 */
export function verifyPushSignature(
  headers: SignatureHeaders,
  rawBody: Buffer,
  secret: string,
  nowSeconds: number,
  toleranceSeconds: number,
): void {
  if (headers.pilotlight !== undefined) {
    verifyTimestamped(headers.pilotlight, rawBody, secret, nowSeconds, toleranceSeconds);
    return;
  }
  if (headers.connector !== undefined) {
    const match = /^sha256=(.*)$/.exec(headers.connector.trim());
    if (!match) {
      throw new UnauthorizedError("malformed_signature", "X-Connector-Signature must look like sha256=<hex HMAC-SHA256>");
    }
    const expected = crypto.createHmac("sha256", secret).update(rawBody).digest();
    if (!digestMatches(expected, match[1]!.toLowerCase())) {
      throw new UnauthorizedError("bad_signature", "X-Connector-Signature does not match the body (check the push secret)");
    }
    return;
  }
  throw new UnauthorizedError(
    "missing_signature",
    "missing signature: send X-Pilotlight-Signature (t=…,v1=…) or X-Connector-Signature (sha256=…)",
  );
}

function verifyTimestamped(header: string, rawBody: Buffer, secret: string, now: number, tolerance: number): void {
  let t: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === "v1") candidates.push(value.toLowerCase());
  }
  if (t === undefined || candidates.length === 0) {
    throw new UnauthorizedError(
      "malformed_signature",
      "X-Pilotlight-Signature must look like t=<unix seconds>,v1=<hex HMAC-SHA256>",
    );
  }
  const skew = Math.abs(now - t);
  if (skew > tolerance) {
    throw new UnauthorizedError(
      "stale_signature",
      `X-Pilotlight-Signature timestamp t=${t} is ${Math.round(skew)} s away from the server's clock; the tolerance is ${tolerance} s`,
    );
  }
  const expected = crypto.createHmac("sha256", secret).update(`${t}.`).update(rawBody).digest();
  // Check every candidate (no early exit) so timing does not reveal which entry matched.
  let ok = false;
  for (const c of candidates) ok = digestMatches(expected, c) || ok;
  if (!ok) {
    throw new UnauthorizedError("bad_signature", "X-Pilotlight-Signature does not match the body (check the push secret)");
  }
}

import type { RequestHandler } from "express";
import { UnauthorizedError } from "../errors.js";
import { tokenMatches } from "../products/secrets.js";

/** The token of an `Authorization: Bearer <token>` header; 401 when there is none. */
export function bearerToken(header: string | undefined, what: string): string {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw new UnauthorizedError("missing_token", `send Authorization: Bearer <${what}>`);
  return match[1]!;
}

/** Throws a 401 unless `header` is `Bearer <token>` whose hash is `expectedHash` (compared in constant time). */
export function verifyBearer(header: string | undefined, expectedHash: string, what: string): void {
  if (!tokenMatches(bearerToken(header, what), expectedHash)) throw new UnauthorizedError("bad_token", `the bearer token is not the ${what}`);
}

/** `Authorization: Bearer <token>` checked against a stored token hash. */
export function bearerAuth(expectedHash: () => string, what = "ADMIN_TOKEN"): RequestHandler {
  return (req, _res, next) => {
    try {
      verifyBearer(req.headers.authorization, expectedHash(), what);
    } catch (err) {
      next(err);
      return;
    }
    next();
  };
}

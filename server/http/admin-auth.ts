import type { RequestHandler } from "express";
import { UnauthorizedError } from "../errors.js";
import { safeEqual } from "../products/secrets.js";

/** Throws a 401 unless `header` is `Bearer <expected>`; the comparison is constant-time. */
export function verifyBearer(header: string | undefined, expected: string, what: string): void {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw new UnauthorizedError("missing_token", `send Authorization: Bearer <${what}>`);
  if (!safeEqual(match[1]!, expected)) throw new UnauthorizedError("bad_token", `the bearer token is not the ${what}`);
}

/** `Authorization: Bearer <token>` compared in constant time. */
export function bearerAuth(expected: () => string, what = "ADMIN_TOKEN"): RequestHandler {
  return (req, _res, next) => {
    try {
      verifyBearer(req.headers.authorization, expected(), what);
    } catch (err) {
      next(err);
      return;
    }
    next();
  };
}

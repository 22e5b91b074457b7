import type { RequestHandler } from "express";
import { UnauthorizedError } from "../errors.js";
import { safeEqual } from "../products/secrets.js";

/** `Authorization: Bearer <token>` compared in constant time. */
export function bearerAuth(expected: () => string, what = "ADMIN_TOKEN"): RequestHandler {
  return (req, _res, next) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      next(new UnauthorizedError("missing_token", `send Authorization: Bearer <${what}>`));
      return;
    }
    if (!safeEqual(match[1]!, expected())) {
      next(new UnauthorizedError("bad_token", `the bearer token is not the ${what}`));
      return;
    }
    next();
  };
}

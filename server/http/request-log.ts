import type { RequestHandler } from "express";
import type { Logger } from "../logger.js";

/**
 * One structured line per request: 5xx at error, 4xx at info with the refusal's code and reason (what an
 * integrator needs to fix a sender), the rest at debug.
 */
export function logRequest(
  logger: Logger,
  request: { method: string; path: string; status: number; ms: number; code?: string | undefined; reason?: string | undefined; origin?: string | undefined },
): void {
  const { method, path, status } = request;
  if (status < 400 && !logger.isLevelEnabled("debug")) return;
  const entry = { method, path, status, ms: Math.round(request.ms * 10) / 10 };
  if (status >= 500) logger.error(entry, "request failed");
  else if (status >= 400) {
    const origin = request.origin;
    logger.info({ ...entry, code: request.code, reason: request.reason, ...(origin ? { origin: origin.slice(0, 200) } : {}) }, "request refused");
  } else logger.debug(entry, "request");
}

/** `logRequest` for every request express serves. */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const start = performance.now();
    res.on("finish", () => {
      const { errorCode, errorMessage } = res.locals as { errorCode?: string; errorMessage?: string };
      logRequest(logger, {
        method: req.method, path: req.path, status: res.statusCode, ms: performance.now() - start,
        code: errorCode, reason: errorMessage, origin: req.get("origin"),
      });
    });
    next();
  };
}

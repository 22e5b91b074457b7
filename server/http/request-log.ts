import type { RequestHandler } from "express";
import type { Logger } from "../logger.js";

/**
 * One structured line per request: 5xx at error, 4xx at info with the refusal's code and reason (what an
 * integrator needs to fix a sender), the rest at debug.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const start = performance.now();
    res.on("finish", () => {
      const ms = performance.now() - start;
      const entry = { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 };
      if (res.statusCode >= 500) logger.error(entry, "request failed");
      else if (res.statusCode >= 400) {
        const { errorCode, errorMessage } = res.locals as { errorCode?: string; errorMessage?: string };
        const origin = req.get("origin");
        logger.info({ ...entry, code: errorCode, reason: errorMessage, ...(origin ? { origin: origin.slice(0, 200) } : {}) }, "request refused");
      }
      else logger.debug(entry, "request");
    });
    next();
  };
}

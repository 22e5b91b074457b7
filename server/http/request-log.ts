import type { RequestHandler } from "express";
import type { Logger } from "../logger.js";

/** One structured line per request: 5xx at error, 4xx at info (why a sender is being refused), the rest at debug. */
export function logRequest(logger: Logger, method: string, path: string, status: number, ms: number): void {
  if (status < 400 && !logger.isLevelEnabled("debug")) return;
  const entry = { method, path, status, ms: Math.round(ms * 10) / 10 };
  if (status >= 500) logger.error(entry, "request failed");
  else if (status >= 400) logger.info(entry, "request refused");
  else logger.debug(entry, "request");
}

/** `logRequest` for every request express serves. */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const start = performance.now();
    res.on("finish", () => logRequest(logger, req.method, req.path, res.statusCode, performance.now() - start));
    next();
  };
}

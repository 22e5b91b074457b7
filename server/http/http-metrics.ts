/**
 * HTTP metrics: requests by route pattern and status, durations, and — on ingest routes — rejections by
 * error code. Route labels are express route patterns (`/v1/sessions/:sessionId/context`), never raw
 * paths, so ids in URLs cannot blow up the number of series.
 */
import type { Request, RequestHandler, Response } from "express";
import type { InstallationMonitor } from "../admin/installation-monitor.js";
import type { Clock } from "../clock.js";
import type { IngestSource } from "../ingest/ingest-event.js";
import type { Metrics } from "../metrics.js";

/** The matched route pattern, or "unmatched" (404s, and failures in app-level middleware before routing). */
export function routeLabel(req: Request): string {
  const route: unknown = req.route;
  if (route && typeof route === "object" && "path" in route && typeof route.path === "string") {
    return `${req.baseUrl}${route.path}`;
  }
  return "unmatched";
}

/** The error code the error handler answered with, if any (it leaves it in `res.locals.errorCode`). */
export function errorCodeOf(res: Response): string | undefined {
  const code: unknown = res.locals.errorCode;
  return typeof code === "string" ? code : undefined;
}

export function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const start = performance.now();
    res.on("finish", () => {
      // Answered without a route and not as an error: a file from a static handler.
      const matched = routeLabel(req);
      const route = matched === "unmatched" && res.statusCode < 400 ? "static" : matched;
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ method: req.method, route }, (performance.now() - start) / 1000);
    });
    next();
  };
}

/** Where refusals are also noted for the admin Installation panel (routes set `res.locals.productId` once known). */
export interface RefusalNotes {
  installation: InstallationMonitor;
  clock: Clock;
}

/**
 * First handler of an ingest route: a response of 4xx/5xx counts as a rejected ingest with the error code
 * as reason. (Accepted and duplicate ingests are counted by the instrumented use case.)
 */
export function countIngestRejections(metrics: Metrics, source: IngestSource, notes?: RefusalNotes): RequestHandler {
  return (_req, res, next) => {
    res.on("finish", () => {
      if (res.statusCode >= 400) {
        const code = errorCodeOf(res) ?? `http_${res.statusCode}`;
        metrics.ingests.inc({ source, result: "rejected", reason: code });
        const productId = typeof res.locals.productId === "string" ? res.locals.productId : null;
        const reason = typeof res.locals.errorMessage === "string" ? res.locals.errorMessage : `HTTP ${res.statusCode}`;
        notes?.installation.noteRefused(productId, source, code, reason, notes.clock.now());
      }
    });
    next();
  };
}

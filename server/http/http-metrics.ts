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

/** Counts one answered request by route pattern and status, with its duration. */
export function observeRequest(metrics: Metrics, method: string, route: string, status: number, ms: number): void {
  metrics.httpRequests.inc({ method, route, status: String(status) });
  metrics.httpDuration.observe({ method, route }, ms / 1000);
}

export function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const start = performance.now();
    res.on("finish", () => {
      // Answered without a route and not as an error: a file from a static handler.
      const matched = routeLabel(req);
      const route = matched === "unmatched" && res.statusCode < 400 ? "static" : matched;
      observeRequest(metrics, req.method, route, res.statusCode, performance.now() - start);
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
 * A 4xx/5xx answer to an ingest route is a rejected ingest, with the error code as reason — also noted for the
 * admin Installation panel, with the product (when it was known) and the refusal's message.
 */
export function countIngestRejection(
  metrics: Metrics,
  source: IngestSource,
  refusal: { status: number; code: string | undefined; message: string | undefined; productId: string | null },
  notes?: RefusalNotes,
): void {
  if (refusal.status < 400) return;
  const code = refusal.code ?? `http_${refusal.status}`;
  metrics.ingests.inc({ source, result: "rejected", reason: code });
  notes?.installation.noteRefused(refusal.productId, source, code, refusal.message ?? `HTTP ${refusal.status}`, notes.clock.now());
}

/**
 * First handler of an ingest route: `countIngestRejection` when the response finishes. (Accepted and
 * duplicate ingests are counted by the instrumented use case.)
 */
export function countIngestRejections(metrics: Metrics, source: IngestSource, notes?: RefusalNotes): RequestHandler {
  return (_req, res, next) => {
    res.on("finish", () =>
      countIngestRejection(
        metrics,
        source,
        {
          status: res.statusCode,
          code: errorCodeOf(res),
          message: typeof res.locals.errorMessage === "string" ? res.locals.errorMessage : undefined,
          productId: typeof res.locals.productId === "string" ? res.locals.productId : null,
        },
        notes,
      ),
    );
    next();
  };
}

/**
 * `GET /metrics` — Prometheus text format (PROTOCOL.md §4). Open by default, like most exporters; with
 * METRICS_TOKEN set it needs `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time).
 */
import { Router } from "express";
import type { Metrics } from "../metrics.js";
import { hashToken } from "../products/secrets.js";
import { bearerAuth } from "./admin-auth.js";

export interface MetricsRouteDeps {
  metrics: Metrics;
  token: string | undefined;
}

export function metricsRoutes(deps: MetricsRouteDeps): Router {
  const router = Router();
  const { registry } = deps.metrics;
  const hash = deps.token === undefined ? undefined : hashToken(deps.token);
  const guard = hash === undefined ? [] : [bearerAuth(() => hash, "METRICS_TOKEN")];
  router.get("/metrics", ...guard, async (_req, res) => {
    const text = await deps.metrics.text();
    res.setHeader("Content-Type", registry.contentType);
    // Scrapes must always see fresh values.
    res.setHeader("Cache-Control", "no-store");
    res.send(text);
  });
  return router;
}

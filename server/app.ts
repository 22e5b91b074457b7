/**
 * createApp(deps) wires the HTTP app and its use cases. It never listens and never touches `process`:
 * main.ts (or a test) calls `httpServer.listen` and, at the end, `close()`.
 */
import http from "node:http";
import express from "express";
import { latestVersion, readMigrations, schemaVersion } from "../db/migrate.js";
import type { AppDeps } from "./deps.js";
import { bearerAuth } from "./http/admin-auth.js";
import { bodySizeLimit } from "./http/body-limit.js";
import { errorHandler, notFoundHandler } from "./http/error-handler.js";
import { healthRoutes } from "./http/health.routes.js";
import { requestMetrics } from "./http/http-metrics.js";
import { metricsRoutes } from "./http/metrics.routes.js";
import { createRateLimits } from "./http/rate-limit.js";
import { requestLog } from "./http/request-log.js";
import { securityHeaders } from "./http/security-headers.js";
import { sessionRoutes } from "./http/sessions.routes.js";
import { webhookRoutes } from "./http/webhooks.routes.js";
import { createIngestService } from "./ingest/ingest-event.js";
import { instrumentIngest } from "./ingest/ingest-metrics.js";
import { createMetrics } from "./metrics.js";
import { createRetentionJob } from "./ops/retention.js";
import { createReadiness } from "./readiness.js";

export function createApp(deps: AppDeps) {
  const { config, logger, repos, clock, instance } = deps;
  const expectedSchema = latestVersion(readMigrations(deps.paths.migrationsDir));

  // Per app, never prom-client's global registry: tests run many apps in one process.
  const metrics = createMetrics();
  const ingest = instrumentIngest(createIngestService({ repos, clock, logger }), metrics);
  const rateLimits = createRateLimits({ metrics });
  const retention = createRetentionJob({
    retention: repos.retention,
    clock,
    logger,
    metrics,
    settings: { days: config.RETENTION_DAYS, intervalMs: config.RETENTION_INTERVAL_MS, batchSize: config.RETENTION_BATCH_SIZE },
  });
  retention.start();

  const readiness = createReadiness();
  readiness.register("database", () => {
    if (!deps.db.open) return { ok: false, reason: "database is closed" };
    const version = schemaVersion(deps.db);
    return version === expectedSchema
      ? { ok: true, schemaVersion: version }
      : { ok: false, reason: `schema version ${version}, expected ${expectedSchema}` };
  });

  const app = express();
  app.disable("x-powered-by");
  // The client address that rate limits key on: the socket's, unless TRUST_PROXY names the proxies in front.
  app.set("trust proxy", config.TRUST_PROXY);
  app.use(requestLog(logger));
  app.use(requestMetrics(metrics));
  app.use(securityHeaders());
  app.use(bodySizeLimit(config.MAX_BODY_BYTES));

  app.use(healthRoutes(readiness));
  app.use(metricsRoutes({ metrics, token: config.METRICS_TOKEN }));
  app.use(
    webhookRoutes({
      products: repos.products,
      ingest,
      clock,
      defaultProductId: instance.defaultProduct.id,
      maxBodyBytes: config.MAX_BODY_BYTES,
      signatureToleranceS: config.SIGNATURE_TOLERANCE_S,
      metrics,
      rateLimits,
      rateLimitPerMinute: config.RATE_LIMIT_WEBHOOK_PER_MIN,
    }),
  );
  const adminOnly = bearerAuth(() => instance.adminToken);
  app.use(
    sessionRoutes({ repos, defaultProductId: instance.defaultProduct.id, windowSize: config.CONTEXT_WINDOW_ACTIONS, auth: adminOnly }),
  );

  app.use(notFoundHandler);
  app.use(errorHandler(logger, metrics));

  const httpServer = http.createServer(app);

  let closing: Promise<void> | undefined;
  /**
   * Stops accepting connections, lets in-flight requests finish (up to SHUTDOWN_GRACE_MS), then cuts
   * what is left. The caller closes the database afterwards.
   */
  function close(): Promise<void> {
    closing ??= stopBackground().then(() => new Promise<void>((resolve) => {
      const force = setTimeout(() => httpServer.closeAllConnections(), config.SHUTDOWN_GRACE_MS);
      // Keep-alive sockets hold close() open until they time out; close each one as soon as its
      // in-flight request has been answered.
      const reapIdle = setInterval(() => httpServer.closeIdleConnections(), 50);
      httpServer.close(() => {
        clearTimeout(force);
        clearInterval(reapIdle);
        resolve();
      });
      httpServer.closeIdleConnections();
    }));
    return closing;
  }

  /** Background work that touches the database stops before the caller closes it. */
  async function stopBackground(): Promise<void> {
    await retention.stop();
    rateLimits.close();
  }

  return { app, httpServer, services: { ingest, readiness, metrics, rateLimits, retention }, close };
}

export type App = ReturnType<typeof createApp>;

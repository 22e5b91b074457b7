/**
 * createApp(deps) wires the HTTP app and its use cases. It never listens and never touches `process`:
 * main.ts (or a test) calls `httpServer.listen` and, at the end, `close()`.
 */
import http from "node:http";
import express from "express";
import { latestVersion, readMigrations, schemaVersion } from "../db/migrate.js";
import type { AppDeps } from "./deps.js";
import { errorHandler, notFoundHandler } from "./http/error-handler.js";
import { bearerAuth } from "./http/admin-auth.js";
import { captureRoutes } from "./http/capture.routes.js";
import { healthRoutes } from "./http/health.routes.js";
import { posthogRoutes } from "./http/posthog.routes.js";
import { requestLog } from "./http/request-log.js";
import { sessionRoutes } from "./http/sessions.routes.js";
import { staticRoutes } from "./http/static.routes.js";
import { webhookRoutes } from "./http/webhooks.routes.js";
import { createIngestService } from "./ingest/ingest-event.js";
import { createReadiness } from "./readiness.js";
import { createGoalTracker } from "./sessions/goal-tracker.js";

export function createApp(deps: AppDeps) {
  const { config, logger, repos, clock, instance } = deps;
  const expectedSchema = latestVersion(readMigrations(deps.paths.migrationsDir));

  const ingest = createIngestService({ repos, clock, logger });
  // Grouping: committed ingests, whatever their source, keep the session's inferred goal current.
  const goals = createGoalTracker({ repos, workflows: deps.workflows, windowSize: config.CONTEXT_WINDOW_ACTIONS, logger, clock });
  ingest.onIngested((event) => goals.onIngested(event));

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
  app.set("trust proxy", false);
  app.use(requestLog(logger));

  app.use(healthRoutes(readiness));
  app.use(
    webhookRoutes({
      products: repos.products,
      ingest,
      clock,
      defaultProductId: instance.defaultProduct.id,
      maxBodyBytes: config.MAX_BODY_BYTES,
      signatureToleranceS: config.SIGNATURE_TOLERANCE_S,
    }),
  );
  app.use(captureRoutes({ products: repos.products, ingest, clock, maxBodyBytes: config.CAPTURE_MAX_BODY_BYTES }));
  app.use(
    posthogRoutes({
      products: repos.products,
      ingest,
      clock,
      defaultProductId: instance.defaultProduct.id,
      maxBodyBytes: config.MAX_BODY_BYTES,
    }),
  );
  app.use(staticRoutes({ publicDir: deps.paths.publicDir }));
  const adminOnly = bearerAuth(() => instance.adminToken);
  app.use("/v1/sessions", adminOnly);
  app.use(sessionRoutes({ repos, defaultProductId: instance.defaultProduct.id, windowSize: config.CONTEXT_WINDOW_ACTIONS }));

  app.use(notFoundHandler);
  app.use(errorHandler(logger));

  const httpServer = http.createServer(app);

  let closing: Promise<void> | undefined;
  /**
   * Stops accepting connections, lets in-flight requests finish (up to SHUTDOWN_GRACE_MS), then cuts
   * what is left. The caller closes the database afterwards.
   */
  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      const force = setTimeout(() => httpServer.closeAllConnections(), config.SHUTDOWN_GRACE_MS);
      // Keep-alive sockets hold close() open until they time out; close each one as soon as its
      // in-flight request has been answered.
      const reapIdle = setInterval(() => httpServer.closeIdleConnections(), 50);
      httpServer.close(() => {
        clearTimeout(force);
        clearInterval(reapIdle);
        // After the last request: nothing may touch the database once the caller closes it.
        goals.stop();
        resolve();
      });
      httpServer.closeIdleConnections();
    });
    return closing;
  }

  return { app, httpServer, services: { ingest, readiness, goals }, close };
}

export type App = ReturnType<typeof createApp>;

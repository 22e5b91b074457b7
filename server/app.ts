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
import { healthRoutes } from "./http/health.routes.js";
import { requestLog } from "./http/request-log.js";
import { sessionRoutes } from "./http/sessions.routes.js";
import { webhookRoutes } from "./http/webhooks.routes.js";
import { createIngestService } from "./ingest/ingest-event.js";
import { createReadiness } from "./readiness.js";
import { createSuggestionEngine } from "./suggest/suggestion-engine.js";

export function createApp(deps: AppDeps) {
  const { config, logger, repos, clock, instance } = deps;
  const expectedSchema = latestVersion(readMigrations(deps.paths.migrationsDir));

  const ingest = createIngestService({ repos, clock, logger });
  // Suggestions run after each ingest commit, asynchronously: they can never slow or fail an ingest.
  const suggestions = createSuggestionEngine({
    config,
    logger,
    repos,
    clock,
    workflows: deps.workflows,
    llm: deps.llm ?? null,
    ...(deps.publish ? { publish: deps.publish } : {}),
  });
  ingest.onIngested((event) => suggestions.onIngested(event));

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
  const adminOnly = bearerAuth(() => instance.adminToken);
  app.use("/v1/sessions", adminOnly);
  app.use(
    sessionRoutes({
      repos,
      defaultProductId: instance.defaultProduct.id,
      windowSize: config.CONTEXT_WINDOW_ACTIONS,
      config,
      clock,
      workflows: deps.workflows,
    }),
  );

  app.use(notFoundHandler);
  app.use(errorHandler(logger));

  const httpServer = http.createServer(app);

  let closing: Promise<void> | undefined;
  /**
   * Stops accepting connections, lets in-flight requests finish (up to SHUTDOWN_GRACE_MS), then cuts
   * what is left. The caller closes the database afterwards.
   */
  function close(): Promise<void> {
    if (closing) return closing;
    const httpClosed = new Promise<void>((resolve) => {
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
    });
    // Timers stop and in-flight model calls are aborted at once; nothing is written after this settles.
    closing = Promise.all([httpClosed, suggestions.close()]).then(() => undefined);
    return closing;
  }

  return { app, httpServer, services: { ingest, readiness, suggestions }, close };
}

export type App = ReturnType<typeof createApp>;

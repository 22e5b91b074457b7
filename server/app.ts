/**
 * createApp(deps) wires the HTTP app and its use cases. It never listens and never touches `process`:
 * main.ts (or a test) calls `httpServer.listen` and, at the end, `close()`.
 */
import http from "node:http";
import type { Socket } from "node:net";
import express from "express";
import { latestVersion, readMigrations, schemaVersion } from "../db/migrate.js";
import type { AppDeps } from "./deps.js";
import { errorHandler, notFoundHandler } from "./http/error-handler.js";
import { bearerAuth } from "./http/admin-auth.js";
import { healthRoutes } from "./http/health.routes.js";
import { requestLog } from "./http/request-log.js";
import { sessionRoutes } from "./http/sessions.routes.js";
import { streamRoutes } from "./http/stream.routes.js";
import { webhookRoutes } from "./http/webhooks.routes.js";
import { createConnectorClient } from "./ingest/connector-client.js";
import { createIngestService } from "./ingest/ingest-event.js";
import { createReadiness } from "./readiness.js";
import { createEventLogPruner } from "./streams/event-log-pruner.js";
import { createStreamHub } from "./streams/stream-hub.js";

export function createApp(deps: AppDeps) {
  const { config, logger, repos, clock, instance } = deps;
  const expectedSchema = latestVersion(readMigrations(deps.paths.migrationsDir));

  const ingest = createIngestService({ repos, clock, logger });

  const streams = createStreamHub({
    repos,
    ingest,
    logger,
    heartbeatMs: config.STREAM_HEARTBEAT_MS,
    retryMs: config.STREAM_RETRY_MS,
    maxBufferedBytes: config.STREAM_BUFFER_BYTES,
  });
  const pruner = createEventLogPruner({
    eventLog: repos.eventLog,
    clock,
    logger,
    retentionMs: config.STREAM_RETENTION_HOURS * 3_600_000,
  });
  pruner.start();

  const connector =
    config.CONNECTOR_URL && config.CONNECTOR_TOKEN
      ? createConnectorClient({
          url: config.CONNECTOR_URL,
          token: config.CONNECTOR_TOKEN,
          heartbeatMs: config.CONNECTOR_HEARTBEAT_MS,
          backoffBaseMs: config.CONNECTOR_BACKOFF_BASE_MS,
          backoffMaxMs: config.CONNECTOR_BACKOFF_MAX_MS,
          // A frame holds one event, which the push webhook would accept up to MAX_BODY_BYTES.
          maxFrameChars: config.MAX_BODY_BYTES + 64 * 1024,
          ingest,
          products: repos.products,
          defaultProductId: instance.defaultProduct.id,
          settings: repos.settings,
          clock,
          logger,
        })
      : undefined;

  const readiness = createReadiness();
  readiness.register("database", () => {
    if (!deps.db.open) return { ok: false, reason: "database is closed" };
    const version = schemaVersion(deps.db);
    return version === expectedSchema
      ? { ok: true, schemaVersion: version }
      : { ok: false, reason: `schema version ${version}, expected ${expectedSchema}` };
  });
  readiness.register("streams", () => {
    const { subscribers, replaying } = streams.stats();
    return { ok: true, subscribers, replaying };
  });
  if (connector) {
    readiness.register("connector", () => {
      const { state, url, lastEventId, consecutiveFailures, lastError, fatalReason } = connector.status();
      return state === "fatal"
        ? { ok: false, reason: fatalReason ?? "connector failed", state, url }
        : { ok: true, state, url, lastEventId, consecutiveFailures, lastError };
    });
  }

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
  app.use(streamRoutes({ products: repos.products, hub: streams }));
  const adminOnly = bearerAuth(() => instance.adminToken);
  app.use("/v1/sessions", adminOnly);
  app.use(sessionRoutes({ repos, defaultProductId: instance.defaultProduct.id, windowSize: config.CONTEXT_WINDOW_ACTIONS }));

  app.use(notFoundHandler);
  app.use(errorHandler(logger));

  const httpServer = http.createServer(app);
  // Sockets that have not sent a request yet (preconnects, clients that reconnect as a stream ends).
  // closeIdleConnections() leaves them open, so shutdown would wait for them to time out.
  const silentSockets = new Set<Socket>();
  httpServer.on("connection", (socket: Socket) => {
    silentSockets.add(socket);
    socket.once("close", () => silentSockets.delete(socket));
  });
  httpServer.on("request", (req: http.IncomingMessage) => silentSockets.delete(req.socket));
  connector?.start();

  /** Stops accepting connections and resolves once the HTTP server has closed. */
  function closeHttp(): Promise<void> {
    return new Promise<void>((resolve) => {
      // Open SSE responses never finish on their own: end them so httpServer.close() can complete.
      streams.close();
      pruner.stop();
      const force = setTimeout(() => httpServer.closeAllConnections(), config.SHUTDOWN_GRACE_MS);
      // Keep-alive sockets hold close() open until they time out; close each one as soon as its
      // in-flight request has been answered.
      const reapIdle = setInterval(() => {
        httpServer.closeIdleConnections();
        for (const socket of silentSockets) socket.destroy();
      }, 50);
      httpServer.close(() => {
        clearTimeout(force);
        clearInterval(reapIdle);
        resolve();
      });
      httpServer.closeIdleConnections();
      for (const socket of silentSockets) socket.destroy();
    });
  }

  let closing: Promise<void> | undefined;
  /**
   * Stops the connector (an in-flight commit finishes first), ends open streams, stops accepting
   * connections, lets in-flight requests finish (up to SHUTDOWN_GRACE_MS), then cuts what is left.
   * The caller closes the database afterwards.
   */
  function close(): Promise<void> {
    closing ??= Promise.all([connector?.stop(), closeHttp()]).then(() => undefined);
    return closing;
  }

  return { app, httpServer, services: { ingest, readiness, streams, pruner, connector }, close };
}

export type App = ReturnType<typeof createApp>;

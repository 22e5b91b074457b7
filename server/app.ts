/**
 * createApp(deps) is the composition root: it wires the HTTP routes, the realtime gateway and the use
 * cases. It never listens and never touches `process`: main.ts (or a test) calls `httpServer.listen`
 * and, at the end, `close()`.
 */
import http from "node:http";
import type { Socket } from "node:net";
import express from "express";
import { latestVersion, readMigrations, schemaVersion } from "../db/migrate.js";
import { rulesResponder } from "./chat/chat-responder.js";
import { createChatService } from "./chat/chat-service.js";
import { createLlmChatResponder } from "./chat/llm-chat-responder.js";
import type { AppDeps } from "./deps.js";
import { createAdminService } from "./admin/admin-service.js";
import { bearerAuth } from "./http/admin-auth.js";
import { adminPageRoutes } from "./http/admin-page.routes.js";
import { adminRoutes } from "./http/admin.routes.js";
import { bodySizeLimit } from "./http/body-limit.js";
import { captureRoutes } from "./http/capture.routes.js";
import { demoRoutes } from "./http/demo.routes.js";
import { errorHandler, notFoundHandler } from "./http/error-handler.js";
import { healthRoutes } from "./http/health.routes.js";
import { requestMetrics } from "./http/http-metrics.js";
import { metricsRoutes } from "./http/metrics.routes.js";
import { posthogRoutes } from "./http/posthog.routes.js";
import { createRateLimits } from "./http/rate-limit.js";
import { requestLog } from "./http/request-log.js";
import { securityHeaders } from "./http/security-headers.js";
import { sessionRoutes } from "./http/sessions.routes.js";
import { staticRoutes } from "./http/static.routes.js";
import { webhookRoutes } from "./http/webhooks.routes.js";
import { streamRoutes } from "./http/stream.routes.js";
import { createConnectorClient } from "./ingest/connector-client.js";
import { createIngestService } from "./ingest/ingest-event.js";
import { instrumentIngest } from "./ingest/ingest-metrics.js";
import { createMetrics } from "./metrics.js";
import { createRetentionJob } from "./ops/retention.js";
import { createReadiness } from "./readiness.js";
import { attachWidgetGateway, closeWidgetGateway, createSocketServer, createWidgetOutbox } from "./realtime/widget.gateway.js";
import { createConversationMapping } from "./sessions/conversation-mapping.js";
import { createGoalTracker } from "./sessions/goal-tracker.js";
import { observeEngine } from "./suggest/engine-metrics.js";
import { instrumentLlm } from "./suggest/llm-metrics.js";
import { withRedaction } from "./suggest/llm-redaction.js";
import { createEventLogPruner } from "./streams/event-log-pruner.js";
import { createStreamHub } from "./streams/stream-hub.js";
import { exposeStreamMetrics } from "./streams/stream-metrics.js";
import { createSuggestionEngine } from "./suggest/suggestion-engine.js";

export function createApp(deps: AppDeps) {
  const { config, logger, repos, clock, instance } = deps;
  const expectedSchema = latestVersion(readMigrations(deps.paths.migrationsDir));

  // Per app, never prom-client's global registry: tests run many apps in one process.
  const metrics = createMetrics();
  const rateLimits = createRateLimits({ metrics });
  // Every LLM call is redacted (PII never leaves the process) and observed.
  const llm = deps.llm ? instrumentLlm(withRedaction(deps.llm), metrics) : null;
  const app = express();
  const httpServer = http.createServer(app);

  const ingest = instrumentIngest(createIngestService({ repos, clock, logger }), metrics);
  // Grouping: committed ingests, whatever their source, keep the session's inferred goal current.
  const goals = createGoalTracker({ repos, workflows: deps.workflows, windowSize: config.CONTEXT_WINDOW_ACTIONS, logger, clock });
  ingest.onIngested((event) => goals.onIngested(event));

  // Streams: every committed ingest is in the event log; the hub replays it and fans it out live.
  const streams = createStreamHub({
    repos,
    ingest,
    logger,
    heartbeatMs: config.STREAM_HEARTBEAT_MS,
    retryMs: config.STREAM_RETRY_MS,
    maxBufferedBytes: config.STREAM_BUFFER_BYTES,
  });
  const pruner = createEventLogPruner({ eventLog: repos.eventLog, clock, logger, retentionMs: config.STREAM_RETENTION_HOURS * 3_600_000 });
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
  exposeStreamMetrics(metrics, streams, connector);

  // Realtime: the socket server, the conversation mapping and chat, wired through an outbox so the use
  // cases never see Socket.IO.
  const io = createSocketServer(httpServer, config.SOCKET_MAX_PAYLOAD_BYTES);
  const { outbox, onLinked } = createWidgetOutbox(io, repos, metrics);
  const mapping = createConversationMapping({ repos, clock, tokenSecret: instance.conversationTokenSecret, onLinked });
  const chat = createChatService({
    repos,
    clock,
    logger,
    mapping,
    outbox,
    workflows: deps.workflows,
    responder: llm ? createLlmChatResponder(llm, { maxContextChars: config.PROMPT_MAX_CHARS }) : rulesResponder,
    onUserMessage: (sessionRef) => suggestions.noteUserMessage(sessionRef),
    context: {
      windowSize: config.CONTEXT_WINDOW_ACTIONS,
      historyLimit: config.CHAT_HISTORY_MESSAGES,
      userLookbackMs: config.USER_LOOKBACK_DAYS * 86_400_000,
      otherSessionsLimit: 3,
    },
    maxReplyChars: config.CHAT_MAX_REPLY_CHARS,
  });

  // Suggestions run after each ingest commit, asynchronously: they can never slow or fail an ingest.
  // Delivered ones go into the session's conversation (a test may pass its own publisher to observe them).
  const suggestions = observeEngine(
    createSuggestionEngine({
      config,
      logger,
      repos,
      clock,
      workflows: deps.workflows,
      llm,
      publish: deps.publish ?? ((s) => chat.deliverSuggestion(s)),
      retract: (r) => chat.retractSuggestion(r),
    }),
    metrics,
  );
  if (config.SUGGESTIONS_ENABLED) ingest.onIngested((event) => suggestions.onIngested(event));
  attachWidgetGateway(io, {
    logger,
    repos,
    chat,
    mapping,
    hooks: suggestions,
    clock,
    metrics,
    handshakeLimiter: rateLimits.create({ name: "socket", perMinute: config.RATE_LIMIT_PUBLIC_PER_MIN }),
  });

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
  app.use(
    captureRoutes({
      products: repos.products,
      ingest,
      clock,
      maxBodyBytes: config.CAPTURE_MAX_BODY_BYTES,
      metrics,
      limiter: rateLimits.create({ name: "capture", perMinute: config.RATE_LIMIT_PUBLIC_PER_MIN }),
    }),
  );
  app.use(
    posthogRoutes({
      products: repos.products,
      ingest,
      clock,
      defaultProductId: instance.defaultProduct.id,
      maxBodyBytes: config.MAX_BODY_BYTES,
      metrics,
      rateLimits,
      rateLimitPerMinute: config.RATE_LIMIT_WEBHOOK_PER_MIN,
    }),
  );
  app.use(streamRoutes({ products: repos.products, hub: streams }));
  app.use(staticRoutes({ publicDir: deps.paths.publicDir }));
  const adminAuth = bearerAuth(() => instance.adminToken);
  app.use(
    sessionRoutes({
      repos,
      defaultProductId: instance.defaultProduct.id,
      windowSize: config.CONTEXT_WINDOW_ACTIONS,
      config,
      clock,
      workflows: deps.workflows,
      auth: adminAuth,
    }),
  );
  const admin = createAdminService({
    repos,
    clock,
    defaultProductId: instance.defaultProduct.id,
    windowSize: config.CONTEXT_WINDOW_ACTIONS,
    interactionTimeoutMs: config.GATE_INTERACTION_TIMEOUT_MS,
  });
  app.use(adminRoutes({ admin, auth: adminAuth }));
  app.use(adminPageRoutes({ adminDir: deps.paths.adminDir, publicDir: deps.paths.publicDir }));
  if (config.DEMO_ENABLED) {
    app.use(demoRoutes({ demoDir: deps.paths.demoDir, publicDir: deps.paths.publicDir, productKey: () => instance.defaultProduct.productKey }));
  }
  app.use(notFoundHandler);
  app.use(errorHandler(logger, metrics));

  // Sockets that have not sent a request yet (preconnects, clients that reconnect as a stream ends).
  // closeIdleConnections() leaves them open, so shutdown would wait for them to time out.
  const silentSockets = new Set<Socket>();
  httpServer.on("connection", (socket: Socket) => {
    silentSockets.add(socket);
    socket.once("close", () => silentSockets.delete(socket));
  });
  httpServer.on("request", (req: http.IncomingMessage) => silentSockets.delete(req.socket));
  connector?.start();

  let closing: Promise<void> | undefined;
  /**
   * Stops accepting connections, lets in-flight requests finish (up to SHUTDOWN_GRACE_MS), then cuts
   * what is left. Background work that touches the database has stopped when this settles; the caller
   * closes the database afterwards.
   */
  function close(): Promise<void> {
    closing ??= (async () => {
      // Model calls, chat replies and purges in flight are aborted or finished; nothing new starts. The
      // connector lets an in-flight commit finish first.
      await Promise.all([chat.drain(true), suggestions.close(), retention.stop(), connector?.stop()]);
      // Open SSE responses never finish on their own: end them so httpServer.close() can complete.
      streams.close();
      pruner.stop();
      // Widgets reconnect (to this or another instance) and sync; closing their connections lets the
      // HTTP server close (upgraded WebSocket connections would otherwise hold it open).
      closeWidgetGateway(io);
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => httpServer.closeAllConnections(), config.SHUTDOWN_GRACE_MS);
        // Keep-alive sockets hold close() open until they time out; close each one as soon as its
        // in-flight request has been answered.
        const reapIdle = () => {
          httpServer.closeIdleConnections();
          for (const socket of silentSockets) socket.destroy();
        };
        const reaper = setInterval(reapIdle, 50);
        httpServer.close(() => {
          clearTimeout(force);
          clearInterval(reaper);
          resolve();
        });
        reapIdle();
      });
      // After the last request: nothing may touch the database once the caller closes it.
      goals.stop();
      rateLimits.close();
    })();
    return closing;
  }

  return {
    app,
    httpServer,
    io,
    services: { ingest, readiness, chat, mapping, suggestions, goals, metrics, rateLimits, retention, streams, pruner, connector },
    close,
  };
}

export type App = ReturnType<typeof createApp>;

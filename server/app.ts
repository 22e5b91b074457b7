/**
 * createApp(deps) is the composition root: it wires the HTTP routes, the realtime gateway and the use
 * cases. It never listens and never touches `process`: main.ts (or a test) calls `httpServer.listen`
 * and, at the end, `close()`.
 */
import http from "node:http";
import express from "express";
import { latestVersion, readMigrations } from "../db/migrate.js";
import { rulesResponder } from "./chat/chat-responder.js";
import { createChatService } from "./chat/chat-service.js";
import { createLlmChatResponder } from "./chat/llm-chat-responder.js";
import { createSuggestionDelivery } from "./chat/suggestion-delivery.js";
import type { AppDeps } from "./deps.js";
import { whileLeader, type LeaderRun } from "./cluster/leader-lease.js";
import { createCoordination } from "./cluster/create-coordination.js";
import { clientAddressOf } from "./http/client-address.js";
import { createHttpShutdown } from "./http/http-shutdown.js";
import { createPushFastPath } from "./http/push-fast-path.js";
import { createPushWebhook } from "./http/push-webhook.js";
import { mountRoutes } from "./http/routes.js";
import { createRateLimits, rateLimitKey } from "./http/rate-limit.js";
import { createConnectorClient } from "./ingest/connector-client.js";
import { createIngestService } from "./ingest/ingest-event.js";
import { instrumentIngest } from "./ingest/ingest-metrics.js";
import { createInstallationMonitor } from "./admin/installation-monitor.js";
import { relayInstallation } from "./admin/installation-relay.js";
import { createAddressBudget } from "./llm/address-budget.js";
import { createLlmGateway } from "./llm/llm-gateway.js";
import { memoryLinesOf } from "./memory/memory-prompt.js";
import { createMemoryService } from "./memory/memory-service.js";
import { memorySettingsOf } from "./suggest/memory-policy.js";
import { createMetrics } from "./metrics.js";
import { createRetentionJob } from "./ops/retention.js";
import { createReadiness } from "./readiness.js";
import { createCommandLimits } from "./realtime/command-limits.js";
import { attachWidgetGateway, closeWidgetGateway, createSocketServer } from "./realtime/widget.gateway.js";
import { createWidgetOutbox } from "./realtime/widget.outbox.js";
import { createConversationMapping } from "./sessions/conversation-mapping.js";
import { createSessionAccess } from "./sessions/session-access.js";
import { createGoalTracker } from "./sessions/goal-tracker.js";
import { createWindowCache } from "./sessions/window-cache.js";
import { observeEngine } from "./suggest/engine-metrics.js";
import { createEventLogPruner } from "./streams/event-log-pruner.js";
import { createStreamHub } from "./streams/stream-hub.js";
import { exposeStreamMetrics } from "./streams/stream-metrics.js";
import { publishAfterCommit } from "./suggest/publisher.js";
import { createSuggestionEngine } from "./suggest/suggestion-engine.js";
import { createWorkflowCatalog } from "./workflows/workflow-catalog.js";

/**
 * Actions the window cache holds over all sessions (~20 MB): enough for 1,000 full windows, or for every
 * session created in the seconds before its first evaluation at thousands of new sessions a second.
 */
const WINDOW_CACHE_ACTIONS = 50_000;
/** How long an instance that died mid-evaluation blocks that session's evaluations elsewhere (server mode). */
const EVALUATION_LOCK_TTL_MS = 15_000;

export function createApp(deps: AppDeps) {
  const { config, logger, store, clock, instance } = deps;
  // Use cases take the store under the name they always had for their repositories.
  const repos = store;
  const expectedSchema = latestVersion(readMigrations(deps.paths.migrationsDir));

  // Per app, never prom-client's global registry: tests run many apps in one process.
  const metrics = createMetrics();
  // What instances share (Redis when REDIS_URL is set, else in process); made here, and closed, unless given.
  const ownCoordination = deps.coordination === undefined;
  const coordination = deps.coordination ?? createCoordination(config, logger);
  // Cluster-wide single flight (evaluations per session, replies per conversation) only where there is a
  // cluster: in process, each use case's own chain or scheduler already is the whole guarantee.
  const clusterLocks = coordination.mode === "memory" ? undefined : coordination.locks;
  const rateLimits = createRateLimits({
    metrics,
    clock,
    maxKeys: config.RATE_LIMIT_MAX_KEYS,
    createStore: (o) => coordination.rateLimitStore({ ...o, maxKeys: config.RATE_LIMIT_MAX_KEYS, now: clock.now }),
  });
  // Jobs one instance of the deployment runs alone; in process, this one always leads.
  const leaders: LeaderRun[] = [];
  // The one way to the LLM, for suggestions, summaries and chat: one breaker, redaction, metrics.
  const llm = deps.llm
    ? createLlmGateway({ client: deps.llm, metrics, clock, breaker: { failures: config.BREAKER_FAILURES, cooldownMs: config.BREAKER_COOLDOWN_MS } })
    : null;
  // Every reader of workflows goes through this one per-product source.
  const workflows = createWorkflowCatalog({ repo: repos.workflows, logger });
  const app = express();
  const clientAddress = clientAddressOf(app);
  // Model calls per client address, whatever sessions or conversations it opens (MODEL_CALLS_PER_ADDRESS_PER_HOUR).
  const modelBudget = createAddressBudget({
    limiter: rateLimits.create({ name: "model_calls_address", perMinute: config.MODEL_CALLS_PER_ADDRESS_PER_HOUR, windowMs: 3_600_000, scope: "one client address" }),
    keyOf: (address) => rateLimitKey(undefined, address),
    metrics,
    maxSessions: config.RATE_LIMIT_MAX_KEYS,
    enabled: llm !== null && config.MODEL_CALLS_PER_ADDRESS_PER_HOUR > 0,
    modelTakesCalls: () => llm?.breakerState() !== "open",
  });
  const ingest = instrumentIngest(createIngestService({ repos, clock, logger, maxClockSkewMs: config.CLIENT_CLOCK_SKEW_MS }), metrics);

  // What the admin Installation panel shows: origins seen, the last event per source.
  // With several instances, each one's panel shows what all of them saw (relayed over the bus).
  const seenHere = createInstallationMonitor();
  const installationRelay =
    coordination.mode === "memory" ? undefined : relayInstallation(seenHere, { bus: coordination.bus, instanceId: coordination.instanceId, logger });
  const installation = installationRelay ?? seenHere;
  ingest.onIngested((event) => installation.noteAccepted(event.productId, event.source, event.sessionId, clock.now()));
  // The push webhook is served ahead of express (same checks, answers and metrics; see push-fast-path.ts).
  const push = createPushWebhook({
    products: repos.products,
    ingest,
    clock,
    defaultProductId: instance.defaultProduct.id,
    signatureToleranceS: config.SIGNATURE_TOLERANCE_S,
    limiter: rateLimits.create({ name: "webhook", perMinute: config.RATE_LIMIT_WEBHOOK_PER_MIN }),
  });
  const pushFastPath = createPushFastPath({
    push,
    maxBodyBytes: config.MAX_BODY_BYTES,
    logger,
    metrics,
    refusalNotes: { installation, clock },
    clientAddress,
  });
  const httpServer = http.createServer((req, res) => {
    if (!pushFastPath(req, res)) app(req, res);
  });
  // Active sessions' context windows, extended by every committed ingest: goals and evaluations read them
  // from here while they still match the store. First listener, so later ones see the window current.
  const windows = createWindowCache({ windowSize: config.CONTEXT_WINDOW_ACTIONS, maxActions: WINDOW_CACHE_ACTIONS });
  ingest.onIngested((event) => windows.onIngested(event));
  // Grouping: committed ingests, whatever their source, keep the session's inferred goal current.
  const goals = createGoalTracker({ repos, windows, workflows, windowSize: config.CONTEXT_WINDOW_ACTIONS, logger, clock });
  ingest.onIngested((event) => goals.onIngested(event));

  // User memory: committed ingests become workflow attempts, against the product's own workflows, in a batched job off the request path.
  const memory = createMemoryService({
    repos,
    clock,
    logger: logger.child({ component: "memory" }),
    tracker: { dwellMs: config.DWELL_MS, abandonAfterMs: config.MEMORY_ABANDON_AFTER_MS },
    workflows,
  });
  ingest.onIngested((event) => memory.onIngested(event));

  // Streams: every committed ingest is in the event log; the hub replays it and fans it out live.
  const streams = createStreamHub({
    repos,
    ingest,
    logger,
    heartbeatMs: config.STREAM_HEARTBEAT_MS,
    retryMs: config.STREAM_RETRY_MS,
    maxBufferedBytes: config.STREAM_BUFFER_BYTES,
    // Server mode: subscribers also get what the other instances commit (stream-hub.ts).
    ...(coordination.mode !== "memory" ? { bus: coordination.bus } : {}),
  });
  const pruner = createEventLogPruner({ eventLog: repos.eventLog, clock, logger, retentionMs: config.STREAM_RETENTION_HOURS * 3_600_000 });
  leaders.push(coordination.leases.runAsLeader("event-log-pruner", whileLeader(pruner)));
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
  // Before any namespace is used: room emits then reach widgets on every instance.
  coordination.attachSocketAdapter(io);
  const { outbox, reach, onLinked } = createWidgetOutbox(io, metrics, { clusterWide: coordination.mode !== "memory", logger });
  const mapping = createConversationMapping({ repos, clock, tokenSecret: instance.conversationTokenSecret, onLinked });
  // Who may join which session and conversation: the rules the socket edge asks.
  const access = createSessionAccess({ repos, clock, mapping, activeWindowMs: config.USER_SESSION_ACTIVE_S * 1000 });
  // Suggestions reach widgets only when one acknowledges them; the rest wait (pending) or expire.
  const delivery = createSuggestionDelivery({
    repos,
    clock,
    logger,
    mapping,
    outbox,
    reach,
    ttlMs: config.SUGGESTION_TTL_S * 1000,
    onState: (state, n) => metrics.suggestionDeliveries.inc({ state }, n),
  });
  metrics.onScrape(async () => metrics.suggestionsPending.set(await repos.suggestions.countPending()));
  leaders.push(coordination.leases.runAsLeader("suggestion-expiry", whileLeader({ start: delivery.start, stop: delivery.stopSweep })));
  const chat = createChatService({
    repos,
    clock,
    logger,
    mapping,
    outbox,
    workflows,
    memoryOf: (sessionRef, productWorkflows, now) => memoryLinesOf(repos, memorySettingsOf(config), sessionRef, productWorkflows, now),
    responder: llm ? createLlmChatResponder(llm, { maxContextChars: config.PROMPT_MAX_CHARS }) : rulesResponder,
    admitModel: (sender) => modelBudget.admitAddress(sender.address),
    onUserMessage: (sessionRef, tx) => suggestions.noteUserMessage(sessionRef, tx),
    ...(clusterLocks ? { replyLock: clusterLocks } : {}),
    context: {
      windowSize: config.CONTEXT_WINDOW_ACTIONS,
      historyLimit: config.CHAT_HISTORY_MESSAGES,
      userLookbackMs: config.USER_LOOKBACK_DAYS * 86_400_000,
      otherSessionsLimit: 3,
    },
    maxReplyChars: config.CHAT_MAX_REPLY_CHARS,
  });

  // Suggestions run after each ingest commit, asynchronously: they can never slow or fail an ingest.
  // What the gates let through goes to delivery (a test may pass its own publisher to observe them).
  const suggestions = observeEngine(
    createSuggestionEngine({
      config,
      logger,
      repos,
      clock,
      workflows,
      llm,
      windows,
      deliver: deps.publish ? publishAfterCommit(deps.publish, logger) : (s, tx) => delivery.store(s, tx),
      retract: (r) => void delivery.retract(r).catch((err: unknown) => logger.error({ err, suggestionId: r.id }, "retracting a suggestion failed")),
      memory,
      ...(clusterLocks ? { exclusive: { locks: clusterLocks, ttlMs: EVALUATION_LOCK_TTL_MS, retryMs: Math.max(50, config.SUGGEST_DEBOUNCE_MS) } } : {}),
      admitLlm: (productId, sessionKey) => modelBudget.admitSession(productId, sessionKey),
    }),
    metrics,
  );
  const gateway = attachWidgetGateway(io, {
    logger,
    repos,
    chat,
    mapping,
    access,
    delivery,
    hooks: suggestions,
    clock,
    metrics,
    handshakeLimiter: rateLimits.create({ name: "socket", perMinute: config.RATE_LIMIT_PUBLIC_PER_MIN }),
    installation,
    publicOrigin: config.PUBLIC_URL,
    ...(coordination.mode !== "memory" ? { cluster: { bus: coordination.bus } } : {}),
    clientAddress,
    limits: createCommandLimits(rateLimits, {
      perSocketPerMinute: config.WIDGET_COMMANDS_PER_MIN,
      perConversationPerMinute: config.WIDGET_CONVERSATION_COMMANDS_PER_MIN,
      messagesPerMinute: config.CHAT_MESSAGES_PER_MIN,
      modelCallsPerHour: config.CHAT_MODEL_CALLS_PER_HOUR,
      chatUsesModel: llm !== null,
    }),
  });
  // A user active in one of their sessions pulls the widgets that follow them there (before any suggestion for it).
  ingest.onIngested((event) => gateway.onIngested(event));
  if (config.SUGGESTIONS_ENABLED) ingest.onIngested((event) => suggestions.onIngested(event));

  const retention = createRetentionJob({
    retention: repos.retention,
    clock,
    logger,
    metrics,
    settings: { days: config.RETENTION_DAYS, intervalMs: config.RETENTION_INTERVAL_MS, batchSize: config.RETENTION_BATCH_SIZE },
  });
  leaders.push(coordination.leases.runAsLeader("retention", whileLeader(retention)));

  const readiness = createReadiness();
  readiness.register("database", async () => {
    const version = await store.schemaVersion();
    return version === expectedSchema
      ? { ok: true, schemaVersion: version }
      : { ok: false, reason: `schema version ${version}, expected ${expectedSchema}` };
  });
  readiness.register("coordination", () => coordination.health());
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

  mountRoutes(app, { ...deps, workflows, metrics, rateLimits, readiness, ingest, streams, installation, connector, push, onPublicSession: modelBudget.noteSession });

  const shutdown = createHttpShutdown(httpServer);
  if (connector) {
    const connectorTerm = whileLeader(connector);
    leaders.push(
      coordination.leases.runAsLeader("connector", async (term) => {
        await connectorTerm(term);
        // Lease lost while the instance keeps serving: another instance may subscribe now. At shutdown the
        // connector stays `stopped`.
        if (!closing) connector.standBy();
      }),
    );
  }

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
      // Leader jobs (retention, pruning, the connector, the sweep) stop and their leases are released.
      await Promise.all([chat.drain(true), suggestions.close(), ...leaders.map((l) => l.stop())]);
      // Open SSE responses never finish on their own: end them so httpServer.close() can complete.
      streams.close();
      // Widgets reconnect (to this or another instance) and sync; closing their connections lets the
      // HTTP server close (upgraded WebSocket connections would otherwise hold it open).
      closeWidgetGateway(io);
      await gateway.close();
      await shutdown.close(config.SHUTDOWN_GRACE_MS);
      // After the last request: nothing may touch the database once the caller closes it.
      goals.stop();
      delivery.stop();
      await memory.close();
      await installationRelay?.close();
      rateLimits.close();
      if (ownCoordination) await coordination.close();
    })();
    return closing;
  }

  return {
    app,
    httpServer,
    io,
    services: { coordination, leaders, workflows, installation, installationRelay, ingest, readiness, chat, mapping, access, delivery, suggestions, goals, memory, metrics, rateLimits, retention, streams, pruner, connector, llm, modelBudget },
    close,
  };
}

export type App = ReturnType<typeof createApp>;

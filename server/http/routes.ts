/**
 * Every HTTP middleware and router, in order: observability and protection first, then the ingest edges,
 * streams, bundles, admin, the demo, and the JSON 404 / error handler last.
 */
import type { Express } from "express";
import { createAdminService } from "../admin/admin-service.js";
import type { InstallationMonitor } from "../admin/installation-monitor.js";
import type { ConnectorClient } from "../ingest/connector-client.js";
import type { WorkflowCatalog } from "../workflows/workflow-catalog.js";
import { memorySettingsOf } from "../suggest/memory-policy.js";
import type { AppDeps } from "../deps.js";
import type { IngestService } from "../ingest/ingest-event.js";
import type { Metrics } from "../metrics.js";
import type { Readiness } from "../readiness.js";
import type { StreamHub } from "../streams/stream-hub.js";
import { bearerAuth } from "./admin-auth.js";
import { adminPageRoutes } from "./admin-page.routes.js";
import { adminRoutes } from "./admin.routes.js";
import { bodySizeLimit } from "./body-limit.js";
import { captureRoutes } from "./capture.routes.js";
import { demoRoutes } from "./demo.routes.js";
import { errorHandler, notFoundHandler } from "./error-handler.js";
import { healthRoutes } from "./health.routes.js";
import { requestMetrics } from "./http-metrics.js";
import { metricsRoutes } from "./metrics.routes.js";
import { posthogRoutes } from "./posthog.routes.js";
import type { PushWebhook } from "./push-webhook.js";
import type { RateLimits } from "./rate-limit.js";
import { requestLog } from "./request-log.js";
import { securityHeaders } from "./security-headers.js";
import { sessionRoutes } from "./sessions.routes.js";
import { staticRoutes } from "./static.routes.js";
import { streamRoutes } from "./stream.routes.js";
import { webhookRoutes } from "./webhooks.routes.js";

export interface RouteDeps extends AppDeps {
  metrics: Metrics;
  rateLimits: RateLimits;
  readiness: Readiness;
  ingest: IngestService;
  streams: StreamHub;
  push: PushWebhook;
  installation: InstallationMonitor;
  workflows: WorkflowCatalog;
  connector: ConnectorClient | undefined;
  /** Which address fed a session through capture (the per-address model budget). */
  onPublicSession?: (productId: string, sessionKey: string, address: string | undefined) => void;
}

export function mountRoutes(app: Express, deps: RouteDeps): void {
  const { config, logger, store: repos, clock, instance, metrics, rateLimits, readiness, ingest, streams, installation } = deps;
  const refusalNotes = { installation, clock };
  app.disable("x-powered-by");
  // The client address that rate limits key on: the socket's, unless TRUST_PROXY names the proxies in front.
  app.set("trust proxy", config.TRUST_PROXY);
  app.use(requestLog(logger));
  app.use(requestMetrics(metrics));
  app.use(securityHeaders());
  app.use(bodySizeLimit(config.MAX_BODY_BYTES));

  app.use(healthRoutes(readiness));
  app.use(metricsRoutes({ metrics, token: config.METRICS_TOKEN }));
  app.use(webhookRoutes({ push: deps.push, maxBodyBytes: config.MAX_BODY_BYTES, metrics, refusalNotes }));
  app.use(
    captureRoutes({
      products: repos.products,
      ingest,
      clock,
      maxBodyBytes: config.CAPTURE_MAX_BODY_BYTES,
      metrics,
      limiter: rateLimits.create({ name: "capture", perMinute: config.RATE_LIMIT_PUBLIC_PER_MIN }),
      installation,
      publicOrigin: config.PUBLIC_URL,
      ...(deps.onPublicSession ? { onPublicSession: deps.onPublicSession } : {}),
    }),
  );
  app.use(
    posthogRoutes({
      products: repos.products,
      ingest,
      clock,
      logger,
      sessionKeySecret: instance.sessionKeySecret,
      defaultProductId: instance.defaultProduct.id,
      maxBodyBytes: config.MAX_BODY_BYTES,
      metrics,
      rateLimits,
      rateLimitPerMinute: config.RATE_LIMIT_WEBHOOK_PER_MIN,
      refusalNotes,
    }),
  );
  app.use(streamRoutes({ products: repos.products, hub: streams }));
  app.use(staticRoutes({ publicDir: deps.paths.publicDir }));
  const adminAuth = bearerAuth(() => instance.adminTokenHash);
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
    installation,
    catalog: deps.workflows,
    connector: deps.connector,
    memory: memorySettingsOf(config),
    lift: {
      followWindowMs: config.LIFT_FOLLOW_WINDOW_MS,
      abandonAfterMs: config.MEMORY_ABANDON_AFTER_MS,
      holdout: { pct: config.SUGGEST_HOLDOUT_PCT, unit: config.SUGGEST_HOLDOUT_UNIT },
    },
  });
  app.use(adminRoutes({ admin, auth: adminAuth, maxBodyBytes: config.MAX_BODY_BYTES }));
  app.use(adminPageRoutes({ adminDir: deps.paths.adminDir, publicDir: deps.paths.publicDir }));
  if (config.DEMO_ENABLED) {
    app.use(demoRoutes({ demoDir: deps.paths.demoDir, publicDir: deps.paths.publicDir, productKey: () => instance.demoProduct?.productKey ?? instance.defaultProduct.productKey }));
  }
  app.use(notFoundHandler);
  app.use(errorHandler(logger, metrics));
}

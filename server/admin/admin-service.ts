/**
 * The admin read model behind /v1/admin/*: live sessions, recent suggestions with outcomes, and the chart
 * series, each scoped to one product (the default one unless the query names another) and read at the
 * injected clock's now.
 */
import type { Repositories } from "../../db/repositories.js";
import type { Clock } from "../clock.js";
import type {
  AdminLiftResponse, AdminSessionAnalysisResponse, AdminSessionsResponse, AdminStatsResponse, AdminSuggestionsResponse, AdminUserMemoryResponse,
} from "../contracts/admin.js";
import { NotFoundError } from "../errors.js";
import { activityStats } from "./activity-stats.js";
import type { ConnectorClient } from "../ingest/connector-client.js";
import type { MemorySettings } from "../memory/memory-view.js";
import type { WorkflowCatalog } from "../workflows/workflow-catalog.js";
import type { LiftQuery, ProductQuery, SearchQuery, SessionsQuery, StatsQuery, SuggestionsQuery } from "./admin-queries.schema.js";
import type { InstallationMonitor } from "./installation-monitor.js";
import { installationReport } from "./installation-report.js";
import { liftReport, type LiftSettings } from "./lift-report.js";
import { sessionAnalysis, userMemory } from "./memory-report.js";
import { createWorkflowsAdmin } from "./workflows-admin.js";
import { listLiveSessions } from "./live-sessions.js";
import { listRecentSuggestions } from "./recent-suggestions.js";

export interface AdminServiceDeps {
  repos: Repositories;
  clock: Clock;
  defaultProductId: string;
  /** CONTEXT_WINDOW_ACTIONS: the window whose text each session shows. */
  windowSize: number;
  /** GATE_INTERACTION_TIMEOUT_MS: after it, a delivered suggestion without feedback counts as ignored. */
  interactionTimeoutMs: number;
  installation: InstallationMonitor;
  /** Each product's workflows (golden paths): the admin workflow endpoints, memory and lift read them here. */
  catalog: WorkflowCatalog;
  connector: ConnectorClient | undefined;
  /** User memory and lift (issue 14). */
  memory: MemorySettings;
  lift: LiftSettings;
}

export function createAdminService(deps: AdminServiceDeps) {
  const productOf = (requested: string | undefined): string => {
    if (requested === undefined) return deps.defaultProductId;
    if (!deps.repos.products.findById(requested)) throw new NotFoundError("unknown_product", `no product ${JSON.stringify(requested)}`);
    return requested;
  };
  const workflows = createWorkflowsAdmin({ repos: deps.repos, catalog: deps.catalog, clock: deps.clock, windowSize: deps.windowSize });
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    sessions: (q: SessionsQuery): AdminSessionsResponse => listLiveSessions(deps, productOf(q.product_id), q, deps.clock.now()),
    suggestions: (q: SuggestionsQuery): AdminSuggestionsResponse => listRecentSuggestions(deps, productOf(q.product_id), q, deps.clock.now()),
    stats: (q: StatsQuery): AdminStatsResponse => activityStats(deps, productOf(q.product_id), q, deps.clock.now()),
    installation: (q: ProductQuery) => installationReport(deps, deps.repos.products.findById(productOf(q.product_id))!, deps.clock.now()),
    workflows: (q: ProductQuery) => workflows.get(productOf(q.product_id)),
    validateWorkflows: (q: ProductQuery, body: unknown) => workflows.validate(productOf(q.product_id), body),
    replaceWorkflows: (q: ProductQuery, body: unknown) => workflows.replace(productOf(q.product_id), body),
    search(q: SearchQuery) {
      const productId = productOf(q.product_id);
      const now = deps.clock.now();
      const hits = deps.repos.adminSearch.search(productId, q.q, now - q.days * 86_400_000, q.limit);
      return {
        product_id: productId,
        q: q.q,
        sessions: hits.sessions.map((s) => ({ session_id: s.sessionId, user_id: s.userId, goal: s.goal, last_seen_at: iso(s.lastSeenAt), conversation_id: s.conversationId })),
        messages: hits.messages.map((m) => ({ conversation_id: m.conversationId, message_id: m.messageId, role: m.role, text: m.text, user_id: m.userId, created_at: iso(m.createdAt) })),
      };
    },
    userMemory(userId: string, q: ProductQuery): AdminUserMemoryResponse {
      const productId = productOf(q.product_id);
      return userMemory(deps, productId, userId, deps.catalog.forProduct(productId), deps.clock.now());
    },
    sessionAnalysis(sessionId: string, q: ProductQuery): AdminSessionAnalysisResponse {
      const productId = productOf(q.product_id);
      return sessionAnalysis(deps, productId, sessionId, deps.catalog.forProduct(productId), deps.clock.now());
    },
    lift(q: LiftQuery): AdminLiftResponse {
      const productId = productOf(q.product_id);
      return liftReport(deps, productId, deps.catalog.forProduct(productId), q, deps.clock.now());
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;

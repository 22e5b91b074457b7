/**
 * The admin read model behind /v1/admin/*: live sessions, recent suggestions with outcomes, and the chart
 * series, each scoped to one product (the default one unless the query names another) and read at the
 * injected clock's now.
 */
import type { RepositoryPorts } from "../../db/store.js";
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
  repos: RepositoryPorts;
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
  const productOf = async (requested: string | undefined): Promise<string> => {
    if (requested === undefined) return deps.defaultProductId;
    if (!await deps.repos.products.findById(requested)) throw new NotFoundError("unknown_product", `no product ${JSON.stringify(requested)}`);
    return requested;
  };
  const workflows = createWorkflowsAdmin({ repos: deps.repos, catalog: deps.catalog, clock: deps.clock, windowSize: deps.windowSize });
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    sessions: async (q: SessionsQuery): Promise<AdminSessionsResponse> => listLiveSessions(deps, await productOf(q.product_id), q, deps.clock.now()),
    suggestions: async (q: SuggestionsQuery): Promise<AdminSuggestionsResponse> => listRecentSuggestions(deps, await productOf(q.product_id), q, deps.clock.now()),
    stats: async (q: StatsQuery): Promise<AdminStatsResponse> => activityStats(deps, await productOf(q.product_id), q, deps.clock.now()),
    installation: async (q: ProductQuery) => installationReport(deps, (await deps.repos.products.findById(await productOf(q.product_id)))!, deps.clock.now()),
    workflows: async (q: ProductQuery) => workflows.get(await productOf(q.product_id)),
    validateWorkflows: async (q: ProductQuery, body: unknown) => workflows.validate(await productOf(q.product_id), body),
    replaceWorkflows: async (q: ProductQuery, body: unknown) => workflows.replace(await productOf(q.product_id), body),
    async search(q: SearchQuery) {
      const productId = await productOf(q.product_id);
      const now = deps.clock.now();
      const hits = await deps.repos.adminSearch.search(productId, q.q, now - q.days * 86_400_000, q.limit);
      return {
        product_id: productId,
        q: q.q,
        sessions: hits.sessions.map((s) => ({ session_id: s.sessionId, user_id: s.userId, goal: s.goal, last_seen_at: iso(s.lastSeenAt), conversation_id: s.conversationId })),
        messages: hits.messages.map((m) => ({ conversation_id: m.conversationId, message_id: m.messageId, role: m.role, text: m.text, user_id: m.userId, created_at: iso(m.createdAt) })),
      };
    },
    async userMemory(userId: string, q: ProductQuery): Promise<AdminUserMemoryResponse> {
      const productId = await productOf(q.product_id);
      return userMemory(deps, productId, userId, await deps.catalog.forProduct(productId), deps.clock.now());
    },
    async sessionAnalysis(sessionId: string, q: ProductQuery): Promise<AdminSessionAnalysisResponse> {
      const productId = await productOf(q.product_id);
      return sessionAnalysis(deps, productId, sessionId, await deps.catalog.forProduct(productId), deps.clock.now());
    },
    async lift(q: LiftQuery): Promise<AdminLiftResponse> {
      const productId = await productOf(q.product_id);
      return liftReport(deps, productId, await deps.catalog.forProduct(productId), q, deps.clock.now());
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;

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
import type { LiftQuery, ProductQuery, SessionsQuery, StatsQuery, SuggestionsQuery } from "./admin-queries.schema.js";
import type { MemorySettings } from "../memory/memory-view.js";
import type { Workflow } from "../workflows/workflows.schema.js";
import { liftReport, type LiftSettings } from "./lift-report.js";
import { sessionAnalysis, userMemory } from "./memory-report.js";
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
  /** User memory and lift (issue 14). */
  memory: MemorySettings;
  lift: LiftSettings;
  /** The product's workflows (golden paths). */
  workflowsOf: (productId: string) => readonly Workflow[];
}

export function createAdminService(deps: AdminServiceDeps) {
  const productOf = (requested: string | undefined): string => {
    if (requested === undefined) return deps.defaultProductId;
    if (!deps.repos.products.findById(requested)) throw new NotFoundError("unknown_product", `no product ${JSON.stringify(requested)}`);
    return requested;
  };
  return {
    sessions: (q: SessionsQuery): AdminSessionsResponse => listLiveSessions(deps, productOf(q.product_id), q, deps.clock.now()),
    suggestions: (q: SuggestionsQuery): AdminSuggestionsResponse => listRecentSuggestions(deps, productOf(q.product_id), q, deps.clock.now()),
    stats: (q: StatsQuery): AdminStatsResponse => activityStats(deps, productOf(q.product_id), q, deps.clock.now()),
    userMemory(userId: string, q: ProductQuery): AdminUserMemoryResponse {
      const productId = productOf(q.product_id);
      return userMemory(deps, productId, userId, deps.workflowsOf(productId), deps.clock.now());
    },
    sessionAnalysis(sessionId: string, q: ProductQuery): AdminSessionAnalysisResponse {
      const productId = productOf(q.product_id);
      return sessionAnalysis(deps, productId, sessionId, deps.workflowsOf(productId), deps.clock.now());
    },
    lift: (q: LiftQuery): AdminLiftResponse => liftReport(deps, productOf(q.product_id), q, deps.clock.now()),
  };
}

export type AdminService = ReturnType<typeof createAdminService>;

/**
 * The admin read model behind /v1/admin/*: live sessions, recent suggestions with outcomes, and the chart
 * series, each scoped to one product (the default one unless the query names another) and read at the
 * injected clock's now.
 */
import type { Repositories } from "../../db/repositories.js";
import type { Clock } from "../clock.js";
import type { AdminSessionsResponse, AdminStatsResponse, AdminSuggestionsResponse } from "../contracts/admin.js";
import { NotFoundError } from "../errors.js";
import { activityStats } from "./activity-stats.js";
import type { SessionsQuery, StatsQuery, SuggestionsQuery } from "./admin-queries.schema.js";
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
  };
}

export type AdminService = ReturnType<typeof createAdminService>;

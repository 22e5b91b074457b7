/** Every PostgreSQL repository over one executor: the pool, or a connection inside a transaction. */
import type { RepositoryPorts } from "../store.js";
import { createPgActionRepository } from "./action.repository.js";
import { createPgActivitySeriesRepository } from "./activity-series.repository.js";
import { createPgAdminFeedRepository } from "./admin-feed.repository.js";
import { createPgAdminSearchRepository } from "./admin-search.repository.js";
import { createPgAttemptRepository } from "./attempt.repository.js";
import { createPgConversationRepository } from "./conversation.repository.js";
import { createPgEventLogRepository } from "./event-log.repository.js";
import type { Executor } from "./executor.js";
import { createPgGateRepository } from "./gate.repository.js";
import { createPgLiftRepository } from "./lift.repository.js";
import { createPgMessageRepository } from "./message.repository.js";
import { createPgProductRepository } from "./product.repository.js";
import { createPgRetentionRepository } from "./retention.repository.js";
import { createPgSessionRepository } from "./session.repository.js";
import { createPgSettingsRepository } from "./settings.repository.js";
import { createPgSuggestionRepository } from "./suggestion.repository.js";
import { createPgSummaryRepository } from "./summary.repository.js";
import { createPgUserSessionRepository } from "./user-session.repository.js";
import { createPgWorkflowRepository } from "./workflow.repository.js";

export function createPgRepositories(ex: Executor): RepositoryPorts {
  return {
    products: createPgProductRepository(ex),
    settings: createPgSettingsRepository(ex),
    sessions: createPgSessionRepository(ex),
    actions: createPgActionRepository(ex),
    summaries: createPgSummaryRepository(ex),
    conversations: createPgConversationRepository(ex),
    messages: createPgMessageRepository(ex),
    userSessions: createPgUserSessionRepository(ex),
    suggestions: createPgSuggestionRepository(ex),
    gates: createPgGateRepository(ex),
    retention: createPgRetentionRepository(ex),
    eventLog: createPgEventLogRepository(ex),
    adminFeed: createPgAdminFeedRepository(ex),
    activitySeries: createPgActivitySeriesRepository(ex),
    workflows: createPgWorkflowRepository(ex),
    adminSearch: createPgAdminSearchRepository(ex),
    attempts: createPgAttemptRepository(ex),
    lift: createPgLiftRepository(ex),
  };
}

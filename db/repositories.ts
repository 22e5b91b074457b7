/**
 * The SQLite repositories over one connection, synchronous (better-sqlite3). Use cases never see these:
 * the SQLite adapter (db/sqlite/sqlite-store.ts) puts them behind the async Store port (db/store.ts).
 */
import type { Db } from "./connection.js";
import { createActionRepository } from "./action.repository.js";
import { createActivitySeriesRepository } from "./activity-series.repository.js";
import { createAttemptRepository } from "./attempt.repository.js";
import { createAdminFeedRepository } from "./admin-feed.repository.js";
import { createAdminSearchRepository } from "./admin-search.repository.js";
import { createConversationRepository } from "./conversation.repository.js";
import { createMessageRepository } from "./message.repository.js";
import { createGateRepository } from "./gate.repository.js";
import { createLiftRepository } from "./lift.repository.js";
import { createEventLogRepository } from "./event-log.repository.js";
import { createProductRepository } from "./product.repository.js";
import { createRetentionRepository } from "./retention.repository.js";
import { createSessionRepository } from "./session.repository.js";
import { createSettingsRepository } from "./settings.repository.js";
import { createSuggestionRepository } from "./suggestion.repository.js";
import { createSummaryRepository } from "./summary.repository.js";
import { createUserSessionRepository } from "./user-session.repository.js";
import { createWorkflowRepository } from "./workflow.repository.js";

export function createRepositories(db: Db) {
  return {
    products: createProductRepository(db),
    settings: createSettingsRepository(db),
    sessions: createSessionRepository(db),
    actions: createActionRepository(db),
    summaries: createSummaryRepository(db),
    conversations: createConversationRepository(db),
    messages: createMessageRepository(db),
    userSessions: createUserSessionRepository(db),
    suggestions: createSuggestionRepository(db),
    gates: createGateRepository(db),
    retention: createRetentionRepository(db),
    eventLog: createEventLogRepository(db),
    adminFeed: createAdminFeedRepository(db),
    activitySeries: createActivitySeriesRepository(db),
    workflows: createWorkflowRepository(db),
    adminSearch: createAdminSearchRepository(db),
    attempts: createAttemptRepository(db),
    lift: createLiftRepository(db),
  };
}

export type SyncRepositories = ReturnType<typeof createRepositories>;

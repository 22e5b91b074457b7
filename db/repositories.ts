/**
 * All repositories over one connection, plus the transaction boundary use cases need. Repositories are
 * synchronous (better-sqlite3), so a transaction is a plain function call with no await inside.
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
  // One compiled transaction wrapper, reused: building a new one per call is measurable on the ingest path.
  const inTransaction = db.transaction(<T>(fn: () => T): T => fn());
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
    /** Runs `fn` in one SQLite transaction (nested calls become savepoints). */
    transaction<T>(fn: () => T): T {
      return inTransaction(fn) as T;
    },
  };
}

export type Repositories = ReturnType<typeof createRepositories>;

/**
 * db/retention.repository.ts's rules on PostgreSQL: the same tables in the same order, each one DELETE of at
 * most $2 rows older than $1 (wall-clock ms), oldest first.
 */
import { retentionRules, type RetentionRepository } from "../retention.repository.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";

export const PG_RETENTION_RULES = retentionRules({ horizon: "$1", limit: "$2" });

export function createPgRetentionRepository(ex: Executor): AsyncOf<RetentionRepository> {
  return {
    tables: async () => PG_RETENTION_RULES.map((r) => r.table),
    async purgeBatch(table, horizon, limit) {
      const rule = PG_RETENTION_RULES.find((r) => r.table === table);
      if (!rule) throw new Error(`no retention rule for table ${table}`);
      return ex.run(rule.sql, [horizon, limit]);
    },
  };
}

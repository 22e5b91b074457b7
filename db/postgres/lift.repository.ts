import type { CompletionGroup, LiftRepository, TriggerFacts } from "../lift.repository.js";
import type { AsyncOf } from "../store.js";
import { pgIdSearch } from "./activity-series.repository.js";
import type { Executor } from "./executor.js";

/**
 * sum() of a comparison as on SQLite: NULL (not 0) for a group where the compared column is NULL in every row
 * (accepted/dismissed of suggestions nobody judged), so both adapters return the same facts.
 */
export function createPgLiftRepository(ex: Executor): AsyncOf<LiftRepository> {
  const firstSuggestion = pgIdSearch(ex, "suggestions", "created_at");
  return {
    completionByGroup: async (productId, current, from, to, settledBefore) =>
      (await ex.rows<{ holdout: number; units: number; completed: number; open: number }>(
        `SELECT a.holdout AS holdout,
                count(*) FILTER (WHERE u.done OR u.touched < $5) AS units,
                count(*) FILTER (WHERE u.done) AS completed,
                count(*) FILTER (WHERE NOT (u.done OR u.touched < $5)) AS open
         FROM (
           SELECT session_ref, bool_or(outcome = 'completed') AS done, max(updated_at) AS touched
           FROM workflow_attempts w WHERE product_id = $1 AND started_at >= $3 AND started_at < $4
             AND EXISTS (SELECT 1 FROM jsonb_each_text($2::jsonb) c WHERE c.key = w.workflow_id AND (w.workflow_version = '' OR w.workflow_version = c.value))
           GROUP BY session_ref, workflow_id
         ) u JOIN session_assignments a ON a.session_ref = u.session_ref
         GROUP BY a.holdout ORDER BY a.holdout`,
        [productId, JSON.stringify(current), from, to, settledBefore],
      )).map((r): CompletionGroup => ({ holdout: r.holdout === 1, units: r.units ?? 0, completed: r.completed ?? 0, open: r.open ?? 0 })),
    triggerFacts: async (productId, from, to, followWindowMs) =>
      (await ex.rows<Omit<TriggerFacts, "heldOut"> & { heldOut: number }>(
        `SELECT coalesce(g.signal, 'none') AS signal, (g.status = 'held_out')::int AS "heldOut", count(*) AS total,
                count(*) FILTER (WHERE g.step_id IS NOT NULL) AS "withStep",
                count(*) FILTER (WHERE g.step_id IS NOT NULL AND EXISTS (
                  SELECT 1 FROM workflow_attempts w JOIN attempt_steps st ON st.attempt_id = w.id
                  WHERE w.session_ref = g.session_ref AND w.workflow_id = g.workflow_id AND st.step_id = g.step_id
                    AND st.matched_at > g.created_at AND st.matched_at <= g.created_at + $4::bigint)) AS followed,
                sum((g.feedback = 'accepted')::int) AS accepted,
                sum((g.feedback = 'dismissed')::int) AS dismissed
         FROM suggestions g JOIN sessions s ON s.id = g.session_ref
         WHERE g.id >= $5 AND g.created_at >= $2 AND g.created_at < $3 AND s.product_id = $1
           AND (g.status = 'held_out' OR g.delivered_at IS NOT NULL)
         GROUP BY 1, 2 ORDER BY total DESC, coalesce(g.signal, 'none') COLLATE "C", 2`,
        [productId, from, to, followWindowMs, await firstSuggestion(from)],
      )).map((r) => ({ ...r, heldOut: r.heldOut === 1 })),
  };
}

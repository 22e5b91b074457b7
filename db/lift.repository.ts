/**
 * The stored facts lift is computed from (GET /v1/admin/stats/lift): workflow attempts by holdout group, and
 * suggestions by trigger with whether their step was done soon after. Suggestions are read by id range
 * (ids grow with created_at, see activity-series.repository.ts); attempts by their (product, start) index.
 */
import { idSearch } from "./activity-series.repository.js";
import type { Db } from "./connection.js";

export interface CompletionGroup {
  holdout: boolean;
  /** (session, workflow) pairs with an attempt started in the range and settled: completed, or given up. */
  units: number;
  completed: number;
  /** Pairs still in progress (left out of the rates). */
  open: number;
}

export interface TriggerFacts {
  signal: string;
  /** Shown (a widget acknowledged it; it may have been retracted since) — or, for the holdout, decided and held back. */
  heldOut: boolean;
  total: number;
  withStep: number;
  followed: number;
  accepted: number;
  dismissed: number;
}

export function createLiftRepository(db: Db) {
  const firstSuggestion = idSearch(db, "suggestions", "created_at");
  const completion = db.prepare<Record<string, number | string>, { holdout: number; units: number; completed: number; open: number }>(`
    SELECT a.holdout AS holdout,
           sum(u.done OR u.touched < @settledBefore) AS units,
           sum(u.done) AS completed,
           sum(NOT (u.done OR u.touched < @settledBefore)) AS open
    FROM (
      SELECT session_ref, max(outcome = 'completed') AS done, max(updated_at) AS touched
      FROM workflow_attempts w WHERE product_id = @productId AND started_at >= @from AND started_at < @to
        -- the product's workflows as they are now: {workflow id: version} ('' = stored before versions were kept)
        AND EXISTS (SELECT 1 FROM json_each(@current) c WHERE c.key = w.workflow_id AND (w.workflow_version = '' OR w.workflow_version = c.value))
      GROUP BY session_ref, workflow_id
    ) u JOIN session_assignments a ON a.session_ref = u.session_ref
    GROUP BY a.holdout`);
  const triggers = db.prepare<Record<string, number | string>, Omit<TriggerFacts, "heldOut"> & { heldOut: number }>(`
    SELECT coalesce(g.signal, 'none') AS signal, g.status = 'held_out' AS heldOut, count(*) AS total,
           sum(g.step_id IS NOT NULL) AS withStep,
           sum(g.step_id IS NOT NULL AND EXISTS (
             SELECT 1 FROM workflow_attempts w JOIN attempt_steps st ON st.attempt_id = w.id
             WHERE w.session_ref = g.session_ref AND w.workflow_id = g.workflow_id AND st.step_id = g.step_id
               AND st.matched_at > g.created_at AND st.matched_at <= g.created_at + @followWindowMs)) AS followed,
           sum(g.feedback = 'accepted') AS accepted,
           sum(g.feedback = 'dismissed') AS dismissed
    FROM suggestions g CROSS JOIN sessions s ON s.id = g.session_ref
    WHERE g.id >= @fromId AND g.created_at >= @from AND g.created_at < @to AND s.product_id = @productId
      AND (g.status = 'held_out' OR g.delivered_at IS NOT NULL)
    GROUP BY 1, 2 ORDER BY total DESC, signal`);

  return {
    /** `current`: the product's workflows now, id → version (workflows/workflow-version.ts); attempts at others are left out. */
    completionByGroup: (productId: string, current: Readonly<Record<string, string>>, from: number, to: number, settledBefore: number): CompletionGroup[] =>
      completion.all({ productId, current: JSON.stringify(current), from, to, settledBefore }).map((r) => ({ holdout: r.holdout === 1, units: r.units ?? 0, completed: r.completed ?? 0, open: r.open ?? 0 })),
    triggerFacts: (productId: string, from: number, to: number, followWindowMs: number): TriggerFacts[] =>
      triggers.all({ productId, from, to, followWindowMs, fromId: firstSuggestion(from) }).map((r) => ({ ...r, heldOut: r.heldOut === 1 })),
  };
}

export type LiftRepository = ReturnType<typeof createLiftRepository>;

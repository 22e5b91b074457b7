/**
 * GET /v1/admin/stats/lift, from stored facts only: the holdout assignment of each session, its workflow
 * attempts, and its suggestions (shown, or held out) with whether the suggested step was done within
 * LIFT_FOLLOW_WINDOW_MS. Completion is compared per (session, workflow) pair started in the range, for the
 * product's workflows as they are now — sessions outside the holdout ("with suggestions", whether or not one
 * was shown: intention to treat) against the holdout ("without") — with Newcombe's 95 % interval for the
 * difference (memory/lift.ts).
 */
import type { CompletionGroup } from "../../db/lift.repository.js";
import type { RepositoryPorts } from "../../db/store.js";
import type { AdminCompletionGroup, AdminLiftResponse, AdminTriggerLift } from "../contracts/admin.js";
import { newcombeDifference, ratio } from "../memory/lift.js";
import { workflowVersion } from "../workflows/workflow-version.js";
import type { Workflow } from "../workflows/workflows.schema.js";
import type { LiftQuery } from "./admin-queries.schema.js";

export interface LiftSettings {
  followWindowMs: number;
  abandonAfterMs: number;
  holdout: { pct: number; unit: "user" | "session" };
}

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

function group(g: CompletionGroup | undefined): AdminCompletionGroup {
  const units = g?.units ?? 0;
  const completed = g?.completed ?? 0;
  return { units, completed, rate: ratio(completed, units), in_progress: g?.open ?? 0 };
}

export async function liftReport(
  deps: { repos: RepositoryPorts; lift: LiftSettings },
  productId: string,
  workflows: readonly Workflow[],
  q: LiftQuery,
  now: number,
): Promise<AdminLiftResponse> {
  const from = now - q.days * DAY_MS;
  // Completion of the product's workflows as they are now, like its users' knowledge state.
  const current = Object.fromEntries(workflows.map((w) => [w.id, workflowVersion(w)]));
  const groups = await deps.repos.lift.completionByGroup(productId, current, from, now + 1, now - deps.lift.abandonAfterMs);
  const treated = group(groups.find((g) => !g.holdout));
  const control = group(groups.find((g) => g.holdout));
  const diff = newcombeDifference(treated.completed, treated.units, control.completed, control.units);

  const byTrigger = new Map<string, AdminTriggerLift>();
  for (const f of await deps.repos.lift.triggerFacts(productId, from, now + 1, deps.lift.followWindowMs)) {
    const t = byTrigger.get(f.signal) ?? {
      trigger: f.signal, shown: 0, with_step: 0, followed: 0, follow_through: null, accepted: 0, dismissed: 0, dismiss_rate: null,
      held_out: 0, held_out_with_step: 0, held_out_followed: 0, natural_follow_rate: null,
    };
    if (f.heldOut) {
      t.held_out += f.total;
      t.held_out_with_step += f.withStep;
      t.held_out_followed += f.followed;
    } else {
      t.shown += f.total;
      t.with_step += f.withStep;
      t.followed += f.followed;
      t.accepted += f.accepted;
      t.dismissed += f.dismissed;
    }
    byTrigger.set(f.signal, t);
  }
  const triggers = [...byTrigger.values()].map((t) => ({
    ...t,
    follow_through: ratio(t.followed, t.with_step),
    dismiss_rate: ratio(t.dismissed, t.shown),
    natural_follow_rate: ratio(t.held_out_followed, t.held_out_with_step),
  }));

  return {
    product_id: productId,
    now: iso(now),
    from: iso(from),
    to: iso(now),
    days: q.days,
    holdout: deps.lift.holdout,
    follow_window_ms: deps.lift.followWindowMs,
    completion: {
      with_suggestions: treated,
      without_suggestions: control,
      difference: diff?.difference ?? null,
      ci95: diff && { low: diff.low, high: diff.high },
      method: "difference of proportions (with − without), Newcombe hybrid score interval (Wilson), 95 %",
      significant: diff ? diff.low > 0 || diff.high < 0 : null,
    },
    triggers,
  };
}

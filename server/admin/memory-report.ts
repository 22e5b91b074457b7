/**
 * User memory for the admin JSON: a verified user's knowledge state (GET /v1/admin/users/:userId/memory) and
 * one session's task analysis (GET /v1/admin/sessions/:id/analysis), read from stored attempts.
 */
import type { AttemptWithSteps } from "../../db/attempt.repository.js";
import type { RepositoryPorts } from "../../db/store.js";
import type { AdminAttempt, AdminSessionAnalysisResponse, AdminUserMemoryResponse } from "../contracts/admin.js";
import { NotFoundError } from "../errors.js";
import { currentAttempts, effectiveOutcome, knowledgeOf, presentKnowledge } from "../memory/knowledge-state.js";
import { memoryScopeOf } from "../memory/memory-scope.js";
import { loadUserKnowledge, type MemorySettings } from "../memory/memory-view.js";
import type { Workflow } from "../workflows/workflows.schema.js";

const iso = (ms: number) => new Date(ms).toISOString();

export function masteryRuleText(s: MemorySettings): string {
  const clean = s.rule.cleanCompletions > 0 ? `, or ${s.rule.cleanCompletions} completed without struggle (no failed submit, rage click or dwell)` : "";
  return `mastered after ${s.rule.completions} completed attempt(s)${clean}`;
}

export async function userMemory(
  deps: { repos: RepositoryPorts; memory: MemorySettings },
  productId: string,
  userId: string,
  workflows: readonly Workflow[],
  now: number,
): Promise<AdminUserMemoryResponse> {
  const known = await loadUserKnowledge(deps.repos, deps.memory, productId, userId, workflows, now);
  const verified = (await deps.repos.userSessions.recent(productId, userId, 0, 1))[0];
  if (!known && !verified) throw new NotFoundError("unknown_user", `no verified user ${JSON.stringify(userId.slice(0, 256))} in product ${JSON.stringify(productId)}`);
  const knowledge = known?.knowledge ?? knowledgeOf(workflows, [], deps.memory.rule, now, deps.memory.abandonAfterMs);
  const presented = presentKnowledge(workflows, knowledge);
  const lastSeen = Math.max(known?.lastSeenAt ?? 0, verified?.lastSeenAt ?? 0);
  return {
    user_id: userId,
    ...presented,
    product_id: productId,
    now: iso(now),
    mastery_rule: { completions: deps.memory.rule.completions, clean_completions: deps.memory.rule.cleanCompletions, description: masteryRuleText(deps.memory) },
    quick_learner: known?.quickLearner ?? false,
    last_seen_at: lastSeen > 0 ? iso(lastSeen) : null,
  };
}

function presentAttempt(a: AttemptWithSteps, w: Workflow, now: number, abandonAfterMs: number): AdminAttempt {
  const furthest = Math.max(-1, ...a.steps.map((s) => s.stepIndex));
  const outcome = effectiveOutcome(a, now, abandonAfterMs);
  return {
    id: a.id,
    outcome,
    started_at: iso(a.startedAt),
    updated_at: iso(a.updatedAt),
    ended_at: a.endedAt !== null ? iso(a.endedAt) : outcome === "abandoned" ? iso(a.updatedAt) : null,
    completion_pct: a.completionPct,
    matched_steps: a.steps.map((s) => ({ step_id: s.stepId, action_id: s.actionId, matched_at: iso(s.matchedAt), out_of_order: s.outOfOrder })),
    missed_steps: a.missedSteps,
    out_of_order_steps: a.outOfOrder,
    remaining_steps: w.steps.slice(furthest + 1).map((s) => s.id),
    struggle: { failed_submits: a.failedSubmits, rage_clicks: a.rageClicks, dwells: a.dwells, longest_dwell_ms: a.longestDwellMs },
    last_issue: a.lastIssue,
    last_issue_code: a.lastIssueCode,
  };
}

export async function sessionAnalysis(
  deps: { repos: RepositoryPorts; memory: MemorySettings },
  productId: string,
  sessionId: string,
  workflows: readonly Workflow[],
  now: number,
): Promise<AdminSessionAnalysisResponse> {
  const session = await deps.repos.sessions.findByKey(productId, sessionId);
  if (!session) throw new NotFoundError("unknown_session", `no session ${JSON.stringify(sessionId.slice(0, 256))} in product ${JSON.stringify(productId)}`);
  const attempts = currentAttempts(workflows, await deps.repos.attempts.ofSession(session.id));
  const tasks = workflows
    .map((w) => ({
      workflow_id: w.id,
      name: w.name,
      expected_steps: w.steps.map((s) => s.id),
      attempts: attempts.filter((a) => a.workflowId === w.id).map((a) => presentAttempt(a, w, now, deps.memory.abandonAfterMs)),
    }))
    .filter((t) => t.attempts.length > 0);
  return {
    product_id: productId,
    session_id: sessionId,
    now: iso(now),
    scope: memoryScopeOf(session),
    holdout: (await deps.repos.attempts.assignmentOf(session.id))?.holdout ?? null,
    tasks,
    untouched: workflows.filter((w) => !tasks.some((t) => t.workflow_id === w.id)).map((w) => w.id),
  };
}

/**
 * What a suggestion model is given for a session now: its window, goal and summary, where it stands in
 * the workflows, and its struggle signals. Shared by the evaluation and the admin view of the prompt.
 */
import type { SessionWindow } from "../sessions/session-context.js";
import { currentWorkflow } from "../workflows/workflow-progress.js";
import type { Workflow } from "../workflows/workflows.schema.js";
import { detectStruggle, lastActivityTime } from "./struggle-detectors.js";
import type { SuggestionInput } from "./suggestion-model.js";

export function suggestionInputOf(ctx: SessionWindow, workflows: readonly Workflow[], dwellMs: number, now: number): SuggestionInput {
  const lastActivityAt = lastActivityTime(ctx.window, ctx.session.lastSeenAt);
  return {
    productId: ctx.session.productId,
    sessionId: ctx.session.sessionKey,
    goal: ctx.session.goal,
    summary: ctx.summary?.text ?? null,
    window: ctx.window,
    workflows,
    placement: currentWorkflow(workflows, ctx.window),
    signals: detectStruggle(ctx.window, { now, lastActivityAt, dwellMs }),
    now,
  };
}

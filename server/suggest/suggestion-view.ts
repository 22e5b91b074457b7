/**
 * What the admin context endpoint shows about suggestions: where the user stands in a workflow, the gate
 * state as of now, the last suggestions and the last decisions with their reasons.
 */
import type { RepositoryPorts } from "../../db/store.js";
import type { Config } from "../config.js";
import type { SessionContext } from "../sessions/session-context.js";
import { redactMessages } from "../llm/redact-messages.js";
import type { WorkflowSource } from "../workflows/workflow-catalog.js";
import { gateConfigOf } from "./evaluate-session.js";
import { initialGate, settleGate } from "./gates.js";
import { buildSuggestionPrompt } from "./prompt-builder.js";
import { suggestionInputOf } from "./suggestion-input.js";

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number) => (ms > 0 ? iso(ms) : null);

export async function describeSuggestions(
  deps: { repos: RepositoryPorts; config: Config; workflows: WorkflowSource },
  ctx: SessionContext,
  now: number,
  limit = 10,
) {
  const sessionRef = ctx.session.id;
  const input = suggestionInputOf(ctx, await deps.workflows.forProduct(ctx.session.productId), deps.config.DWELL_MS, now);
  const placement = input.placement;
  // The prompt an LLM would get for this session now, after redaction: what leaves the process.
  const prompt = redactMessages(
    buildSuggestionPrompt({ ...input, actions: input.window, limits: { maxActions: deps.config.PROMPT_MAX_ACTIONS, maxChars: deps.config.PROMPT_MAX_CHARS } }).messages,
  );
  const stored = await deps.repos.gates.find(sessionRef);
  const gate = settleGate(stored ?? initialGate(sessionRef, now), now, gateConfigOf(deps.config));
  return {
    workflow: placement?.nextStep
      ? {
          id: placement.workflow.id,
          name: placement.workflow.name,
          done_steps: placement.doneSteps.map((i) => placement.workflow.steps[i]!.id),
          next_step: { id: placement.nextStep.id, hint: placement.nextStep.hint },
        }
      : null,
    prompt: { messages: prompt.messages, redactions: prompt.counts },
    gate: {
      state: gate.state,
      state_since: stored ? iso(gate.stateSince) : null,
      cooldown_until: isoOrNull(gate.cooldownUntil),
      typing: gate.typingUntil > now,
      last_user_message_at: isoOrNull(gate.lastUserMessageAt),
      dismissals: gate.dismissals,
    },
    suggestions: (await deps.repos.suggestions.recent(sessionRef, limit)).map((s) => ({
      id: s.id,
      text: s.text,
      status: s.status,
      source: s.source,
      model: s.model,
      signal: s.signal,
      workflow_id: s.workflowId,
      step_id: s.stepId,
      latency_ms: s.latencyMs,
      tokens: s.usage && { prompt: s.usage.promptTokens, completion: s.usage.completionTokens, total: s.usage.totalTokens },
      evidence: s.evidence.indexes,
      evidence_action_ids: s.evidence.actionIds,
      model_error: s.modelError,
      feedback: s.feedback,
      created_at: iso(s.createdAt),
    })),
    decisions: (await deps.repos.suggestions.recentDecisions(sessionRef, limit)).map((d) => ({
      id: d.id,
      outcome: d.outcome,
      reason: d.reason,
      trigger: d.trigger,
      source: d.source,
      model_error: d.modelError,
      suggestion_id: d.suggestionId,
      detail: d.detail,
      rules: d.rules,
      holdout: d.holdout,
      created_at: iso(d.createdAt),
    })),
  };
}

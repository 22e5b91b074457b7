/**
 * The LLM suggestion model: the pure prompt builder, one `complete()` call through the gateway, and the
 * reply validated into plain text — or a decline when the model says there is no helpful step.
 */
import { LlmError } from "../errors.js";
import type { LlmClient } from "../llm/llm-port.js";
import type { PromptLimits } from "../llm/prompt-fence.js";
import { parseSuggestionReply } from "./llm-reply.js";
import { buildSuggestionPrompt } from "./prompt-builder.js";
import type { SuggestionModel } from "./suggestion-model.js";

/** Enough for 240 characters in any language, with room for a model that adds quotes. */
const MAX_REPLY_TOKENS = 160;

export function createLlmSuggestionModel(client: LlmClient, limits: PromptLimits): SuggestionModel {
  return {
    source: "llm",
    async suggest(input, options = {}) {
      // Issue 14: a behaviour trigger names the step the suggestion is about.
      const hit = input.triggers?.hits[0];
      const { messages, includedIndexes } = buildSuggestionPrompt({
        goal: input.goal,
        summary: input.summary,
        placement: input.placement,
        signals: input.signals,
        actions: input.window,
        limits,
        memory: input.memoryLines,
        focus: hit && { code: hit.code, workflowName: hit.workflow.name, hint: hit.step.hint, detail: hit.detail },
      });
      const res = await client.complete(messages, { signal: options.signal, maxTokens: MAX_REPLY_TOKENS, temperature: 0.2 });
      const reply = parseSuggestionReply(res.text);
      if (reply.kind === "invalid") throw new LlmError("llm_invalid_output", `the LLM's reply was unusable: ${reply.problem}`);
      if (reply.kind === "decline") return { kind: "decline", reason: "the model found no helpful step", model: res.model, usage: res.usage };
      const p = input.placement && !input.triggers?.suppressedWorkflowIds.includes(input.placement.workflow.id) ? input.placement : undefined;
      return {
        kind: "suggestion",
        text: reply.text,
        // The actions the model was shown are the evidence it had.
        evidence: includedIndexes,
        signal: hit?.code ?? input.signals[0]?.kind ?? (p?.nextStep ? "workflow_step" : "activity"),
        workflowId: hit ? hit.workflow.id : p?.nextStep ? p.workflow.id : null,
        stepId: hit ? hit.step.id : (p?.nextStep?.id ?? null),
        model: res.model,
        usage: res.usage,
      };
    },
  };
}

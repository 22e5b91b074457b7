/**
 * What the rules model says when a behaviour trigger fired (suggest/triggers.ts): one sentence that names
 * why, and the step's hint verbatim. Percentages are whole numbers ("You got 85 % through…").
 */
import { actionMatches } from "../workflows/workflow-progress.js";
import type { TriggerHit } from "./rule-notes.js";
import { MAX_SUGGESTION_CHARS, type ModelResult, type SuggestionInput } from "./suggestion-model.js";

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const pct = (n: number | undefined) => `${Math.round(n ?? 0)} %`;

function texts(hit: TriggerHit): string[] {
  const name = lowerFirst(hit.workflow.name);
  const hint = hit.step.hint;
  switch (hit.code) {
    case "repeated_failure":
      return [
        `That's ${hit.failures} tries to ${name} that didn't go through. ${hint} Check the message next to each field, or ask me and I'll walk you through it.`,
        `That's ${hit.failures} tries to ${name} that didn't go through. ${hint}`,
      ];
    case "skipped_step":
      return [`You skipped a step to ${name}: ${hint}`];
    case "stall":
      return [`Looking for the next step to ${name}? ${hint}`];
    case "low_completion":
      return [`Your earlier tries to ${name} got about ${pct(hit.completionPct)} of the way. Next: ${hint}`];
    case "first_attempt":
      return [`First time? There are ${hit.workflow.steps.length} steps to ${name}. Next: ${hint}`];
    case "returning_user":
      return hit.completionPct !== undefined
        ? [`Welcome back! You got ${pct(hit.completionPct)} through the steps to ${name} last time. Pick up where you stopped: ${hint}`, `Welcome back! Pick up where you stopped: ${hint}`]
        : [`Welcome back! Next step to ${name}: ${hint}`];
    case "unfinished_workflow":
      return [`You got ${pct(hit.completionPct)} through the steps to ${name} last time. Pick up where you stopped: ${hint}`, `You got ${pct(hit.completionPct)} through ${name}. Next: ${hint}`];
  }
}

/** Window indexes of the latest action matching each step of the hit's workflow. */
function evidenceOf(hit: TriggerHit, input: SuggestionInput): number[] {
  const indexes = new Set<number>();
  for (const step of hit.workflow.steps) {
    for (let i = input.window.length - 1; i >= 0; i--) {
      if (actionMatches(input.window[i]!, step.match)) {
        indexes.add(i);
        break;
      }
    }
  }
  return [...indexes].sort((a, b) => a - b);
}

export function suggestForTrigger(hit: TriggerHit, input: SuggestionInput): ModelResult {
  const candidates = [...texts(hit), hit.step.hint];
  return {
    kind: "suggestion",
    text: candidates.find((c) => c.length <= MAX_SUGGESTION_CHARS) ?? hit.step.hint.slice(0, MAX_SUGGESTION_CHARS),
    evidence: evidenceOf(hit, input),
    signal: hit.code,
    workflowId: hit.workflow.id,
    stepId: hit.step.id,
    model: "rules",
    usage: null,
  };
}

/**
 * The offline rules model — the embedded default (PROTOCOL.md §6). In a workflow it suggests the next step,
 * quoting the step's hint verbatim. A struggle signal on one of a workflow's pages points at that workflow's
 * next step; elsewhere it gets a general offer of help that names the page or button. Nothing applies →
 * it declines. Deterministic: no randomness, time only through `input.now`.
 */
import { actionMatches, onWorkflowPage, workflowProgress, type WorkflowProgress } from "../workflows/workflow-progress.js";
import { formatDuration, pageLabel } from "../sessions/action-labels.js";
import { rejectedSubmits } from "../sessions/rejected-submits.js";
import { suggestForTrigger } from "./trigger-text.js";
import type { StruggleSignal } from "./struggle-detectors.js";
import { MAX_SUGGESTION_CHARS, type ModelResult, type SuggestionInput, type SuggestionModel } from "./suggestion-model.js";

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** The first candidate that fits the length cap; the hint alone always does (the schema caps it at 240). */
function fit(candidates: readonly string[]): string {
  return candidates.find((c) => c.length <= MAX_SUGGESTION_CHARS) ?? candidates.at(-1)!.slice(0, MAX_SUGGESTION_CHARS);
}

/** Window indexes of the latest action matching each done step. */
function workflowEvidence(p: WorkflowProgress, input: SuggestionInput): number[] {
  const indexes = p.doneSteps.map((s) => {
    const step = p.workflow.steps[s]!;
    let at = -1;
    input.window.forEach((a, i) => {
      if (actionMatches(a, step.match)) at = i;
    });
    return at;
  });
  return [...new Set(indexes.filter((i) => i >= 0))].sort((a, b) => a - b);
}

/**
 * The workflow a struggle on `url` belongs to, when the user is partway through it. Idling mid-workflow
 * belongs to that workflow wherever it happens (a page no step names included). Never a mastered one.
 */
function workflowFor(signal: StruggleSignal, input: SuggestionInput): WorkflowProgress | undefined {
  const suppressed = new Set(input.triggers?.suppressedWorkflowIds ?? []);
  const p = input.placement && !suppressed.has(input.placement.workflow.id) ? input.placement : undefined;
  if (p && (signal.kind === "dwell" || onWorkflowPage(p.workflow, signal.url))) return p;
  let failed: ReadonlySet<number> | undefined;
  for (const w of input.workflows) {
    if (suppressed.has(w.id) || !onWorkflowPage(w, signal.url)) continue;
    const p = workflowProgress(w, input.window, (failed ??= rejectedSubmits(input.window)));
    if (p.inWorkflow) return p;
  }
  return undefined;
}

/** What the user seems stuck on, in their product's words. */
function struggleOpening(s: StruggleSignal): string {
  const page = pageLabel(s.url);
  switch (s.kind) {
    case "rage_click":
      return `'${s.target}' doesn't seem to respond — you clicked it ${s.count} times in a row.`;
    case "repeated_submit":
      return `You've submitted '${s.target}' ${s.count} times${s.spanMs !== undefined ? ` in ${formatDuration(s.spanMs)}` : ""} — it may be rejecting a field; check the messages next to each field.`;
    case "ping_pong": {
      const other = pageLabel(s.otherUrl ?? s.url);
      // Two places with the same name would read "between Contacts and Contacts?": say it without names.
      return other === page ? `Going back and forth between these two pages?` : `Going back and forth between ${page} and ${other}?`;
    }
    case "dwell":
      return `Still on ${page} after ${formatDuration(s.spanMs ?? 0)}.`;
  }
}

function generalOffer(s: StruggleSignal): string {
  const page = pageLabel(s.url);
  switch (s.kind) {
    case "rage_click":
      return `Tell me what you expected '${s.target}' to do and I'll help you get there another way.`;
    case "repeated_submit":
      return `Tell me what you're trying to save and I'll help you get it through.`;
    case "ping_pong":
      return `Tell me what you're looking for and I'll point you to it.`;
    case "dwell":
      return `Need a hand with something on ${page}? Ask me here.`;
  }
}

function nextStepText(p: WorkflowProgress): { long: string; short: string } {
  const hint = p.nextStep!.hint;
  return {
    long: `Next step to ${lowerFirst(p.workflow.name)}: ${hint}`,
    short: `Next: ${hint}`,
  };
}

export function suggestWithRules(input: SuggestionInput): ModelResult {
  const model = "rules";
  // Issue 14: a behaviour trigger (user memory) shapes the suggestion when one fired.
  const hit = input.triggers?.hits[0];
  if (hit) return suggestForTrigger(hit, input);
  const signal = input.signals[0];
  if (signal) {
    const opening = struggleOpening(signal);
    const p = workflowFor(signal, input);
    if (p?.nextStep) {
      const next = nextStepText(p);
      return {
        kind: "suggestion",
        text: fit([`${opening} ${next.long}`, `${opening} ${next.short}`, next.long, p.nextStep.hint]),
        evidence: [...new Set([...signal.evidence, ...workflowEvidence(p, input)])].sort((a, b) => a - b),
        signal: signal.kind,
        workflowId: p.workflow.id,
        stepId: p.nextStep.id,
        model,
        usage: null,
      };
    }
    const offer = generalOffer(signal);
    return {
      kind: "suggestion",
      text: fit([`${opening} ${offer}`, offer]),
      evidence: signal.evidence,
      signal: signal.kind,
      workflowId: null,
      stepId: null,
      model,
      usage: null,
    };
  }
  const p = input.placement;
  if (p?.nextStep && !input.triggers?.suppressedWorkflowIds.includes(p.workflow.id)) {
    const step = p.workflow.steps.indexOf(p.nextStep) + 1;
    const next = nextStepText(p);
    return {
      kind: "suggestion",
      text: fit([
        `You're on step ${step} of ${p.workflow.steps.length} to ${lowerFirst(p.workflow.name)}. Next: ${p.nextStep.hint}`,
        next.long,
        p.nextStep.hint,
      ]),
      evidence: workflowEvidence(p, input),
      signal: "workflow_step",
      workflowId: p.workflow.id,
      stepId: p.nextStep.id,
      model,
      usage: null,
    };
  }
  return { kind: "decline", reason: "no workflow in progress and no sign of struggle", model, usage: null };
}

export function createRulesModel(): SuggestionModel {
  return { source: "rules", suggest: async (input) => suggestWithRules(input) };
}

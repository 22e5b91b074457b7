/**
 * The offline chat reply (no LLM configured, or the LLM failed): deterministic, and still built from the
 * live context — the page the user is on, the workflow step they are at, and the next step.
 */
import { workflowProgress, type WorkflowProgress } from "../workflows/workflow-progress.js";
import type { Workflow } from "../workflows/workflows.schema.js";
import type { ChatContext } from "./chat-context.js";
import { pageLabel } from "../sessions/action-labels.js";

const STOPWORDS = new Set(
  "a an the i me my we our you your to do does did how can could would should what where when why is are was be it this that of in on for with and or at by from please help want need get".split(" "),
);

const stem = (w: string) => w.replace(/(ing|ed|es|s)$/, "");

function words(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 2 && !STOPWORDS.has(w))
      .map(stem),
  );
}

/** The workflow a question is about: the best word overlap with its name, id and hints (at least one word). */
export function workflowAskedAbout(question: string, workflows: readonly Workflow[]): Workflow | undefined {
  const asked = words(question);
  let best: { w: Workflow; score: number } | undefined;
  for (const w of workflows) {
    const nameWords = words(`${w.name} ${w.id}`);
    const hintWords = words(w.steps.map((s) => `${s.id} ${s.hint}`).join(" "));
    let score = 0;
    for (const a of asked) score += nameWords.has(a) ? 2 : hintWords.has(a) ? 1 : 0;
    if (score > 0 && (!best || score > best.score)) best = { w, score };
  }
  return best?.w;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

function stepsList(w: Workflow): string {
  return w.steps.map((s, i) => `${i + 1}. ${s.hint}`).join(" ");
}

function position(p: WorkflowProgress): string {
  const done = p.furthestDone + 1;
  return `you've done ${done} of ${p.workflow.steps.length} steps`;
}

export function composeRulesReply(ctx: ChatContext): string {
  const window = ctx.session?.window ?? [];
  const last = window.at(-1);
  const page = last && pageLabel(last.canonical_url);
  const where = page ? (page.startsWith("a record in ") ? `You're on ${page}` : `You're on the ${page} page`) : "";
  const asked = workflowAskedAbout(ctx.question, ctx.workflows);

  if (asked) {
    const progress = workflowProgress(asked, window);
    const howTo = `To ${lowerFirst(asked.name)}: ${stepsList(asked)}`;
    if (progress.inWorkflow && progress.nextStep) {
      return `${howTo}\n\nYou're already on your way — ${position(progress)}. Next: ${progress.nextStep.hint}`;
    }
    if (progress.complete) {
      return `${howTo}\n\nIt looks like you've already completed this in the current session.`;
    }
    return `${howTo}${where ? `\n\n${where}. Start with step 1: ${asked.steps[0]!.hint}` : ""}`;
  }

  if (ctx.workflow?.nextStep) {
    return `${where || "You're"} in the middle of "${ctx.workflow.workflow.name}" — ${position(ctx.workflow)}. Next: ${ctx.workflow.nextStep.hint}`;
  }

  const offers = ctx.workflows.slice(0, 6).map((w) => lowerFirst(w.name));
  const menu = offers.length ? ` I can walk you through how to ${offers.join(", ")}. Ask me about any of them.` : "";
  const intro = where ? `${where}.` : "I don't see any activity from you yet in this session.";
  return `${intro}${menu}`;
}

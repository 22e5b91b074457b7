/**
 * The offline chat reply (no LLM configured, or the LLM failed): deterministic, built from the live context
 * and the product's own workflows. The question is ranked (BM25, chat/text-rank.ts) against the product's
 * workflows (name, step hints) and its pages; only a match that explains most of the question answers with
 * steps — a problem report ("why is my invoice total wrong?") needs an even closer one. Otherwise the reply
 * says it does not know that yet and names the closest workflows, never unrelated steps. Numbered steps
 * go one per line, so the widget shows them as a list.
 */
import { pathPageName } from "../ingest/raw-events/page-name.js";
import { pageLabel } from "../sessions/action-labels.js";
import { urlPath, workflowProgress, type WorkflowProgress } from "../workflows/workflow-progress.js";
import type { Workflow } from "../workflows/workflows.schema.js";
import type { ChatContext } from "./chat-context.js";
import { isTroubleQuestion, rank, terms, type RankDocument } from "./text-rank.js";

/** How much of a question a workflow must explain before its steps are the answer. */
export const HOW_TO_COVERAGE = 0.5;
export const TROUBLE_COVERAGE = 0.75;
const CLOSEST = 3;

type Candidate = { kind: "workflow"; workflow: Workflow } | { kind: "page"; name: string; path: string };

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

function stepsList(w: Workflow): string {
  return w.steps.map((s, i) => `${i + 1}. ${s.hint}`).join("\n");
}

function position(p: WorkflowProgress): string {
  return `you've done ${p.furthestDone + 1} of ${p.workflow.steps.length} steps`;
}

/** Pages the product is known to have: its workflows' URL patterns and the pages this session visited. */
function pages(ctx: ChatContext): Map<string, string> {
  const found = new Map<string, string>();
  const add = (url: string) => {
    const path = urlPath(url);
    if (path.includes("*") || path.includes(":")) return;
    const name = pathPageName(path);
    if (name && !found.has(path)) found.set(path, name);
  };
  for (const w of ctx.workflows) for (const s of w.steps) if (s.match.url) add(s.match.url);
  for (const a of ctx.session?.window ?? []) add(a.canonical_url);
  return found;
}

function candidates(ctx: ChatContext): RankDocument<Candidate>[] {
  const docs: RankDocument<Candidate>[] = ctx.workflows.map((w) => ({
    item: { kind: "workflow", workflow: w },
    fields: [
      { text: w.name, weight: 3 },
      { text: w.steps.map((s) => s.hint).join(" "), weight: 1 },
    ],
  }));
  for (const [path, name] of pages(ctx)) {
    docs.push({ item: { kind: "page", name, path }, fields: [{ text: name, weight: 2 }, { text: path.replace(/[/_-]+/g, " "), weight: 1 }] });
  }
  return docs;
}

export interface QuestionMatch {
  best: { candidate: Candidate; coverage: number } | undefined;
  /** The workflows closest to the question, best first (for "I don't know that yet"). */
  closest: Workflow[];
}

/** What the question is about, if anything fits well enough. */
export function matchQuestion(ctx: ChatContext): QuestionMatch {
  const ranked = rank(ctx.question, candidates(ctx));
  const needed = isTroubleQuestion(ctx.question) ? TROUBLE_COVERAGE : HOW_TO_COVERAGE;
  const top = ranked[0];
  const closest = ranked.filter((r) => r.item.kind === "workflow").map((r) => (r.item as { workflow: Workflow }).workflow);
  return {
    best: top && top.coverage >= needed ? { candidate: top.item, coverage: top.coverage } : undefined,
    closest: (closest.length ? closest : ctx.workflows).slice(0, CLOSEST),
  };
}

function howTo(asked: Workflow, window: ChatContext["sinceLastMessage"], where: string): string {
  const progress = workflowProgress(asked, window);
  const steps = `To ${lowerFirst(asked.name)}:\n${stepsList(asked)}`;
  if (progress.inWorkflow && progress.nextStep) return `${steps}\n\nYou're already on your way — ${position(progress)}. Next: ${progress.nextStep.hint}`;
  if (progress.complete) return `${steps}\n\nIt looks like you've already done this in this session.`;
  return `${steps}${where ? `\n\n${where}. Start with step 1: ${asked.steps[0]!.hint}` : ""}`;
}

export function composeRulesReply(ctx: ChatContext): string {
  const window = ctx.session?.window ?? [];
  const last = window.at(-1);
  const page = last && pageLabel(last.canonical_url);
  const where = page ? (page.startsWith("a record in ") ? `You're on ${page}` : `You're on the ${page} page`) : "";
  const { best, closest } = matchQuestion(ctx);

  if (best?.candidate.kind === "workflow") return howTo(best.candidate.workflow, window, where);
  if (best?.candidate.kind === "page") {
    const { name, path } = best.candidate;
    const onIt = last && urlPath(last.canonical_url) === path;
    return onIt ? `You're on the ${name} page right now (${path}).` : `That's on the ${name} page: ${path}.${where ? ` ${where}.` : ""}`;
  }

  // "What should I do?", "where am I?": nothing to look up, so the live context is the answer.
  const lines = terms(ctx.question).length ? ["I don't know that yet."] : [];
  if (ctx.workflow?.nextStep) {
    lines.push(`${where || "You're"} in the middle of "${ctx.workflow.workflow.name}" — ${position(ctx.workflow)}. Next: ${ctx.workflow.nextStep.hint}`);
  } else {
    lines.push(where ? `${where}.` : "I don't see any activity from you yet in this session.");
  }
  if (closest.length) lines.push(`The closest things I can help with: ${closest.map((w) => lowerFirst(w.name)).join("; ")}. Ask me about any of them.`);
  return lines.join(" ");
}

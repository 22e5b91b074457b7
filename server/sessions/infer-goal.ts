/**
 * Grouping: the goal a session seems to pursue, from its recent actions. A workflow the user is in
 * (PROTOCOL.md §6) names it; otherwise a heuristic reads the latest purposeful action (a submit, a
 * click whose words carry an intent, typing) and falls back to the page the user spends the most actions on.
 */
import { pathPageName } from "../ingest/raw-events/page-name.js";
import { intentOfText, type Intent } from "../ingest/raw-events/intent.js";
import { currentWorkflow, type MatchableAction } from "../workflows/workflow-progress.js";
import type { Workflow } from "../workflows/workflows.schema.js";

export type GoalSource = "workflow" | "heuristic";

export interface InferredGoal {
  goal: string;
  source: GoalSource;
  /** The workflow's id when the source is `workflow`. */
  workflowId?: string;
}

export const MAX_GOAL = 200;

/** Intents that say what the user wants to get done (navigation and cancelling do not). */
const PURPOSEFUL: ReadonlySet<Intent> = new Set([
  "create", "save", "send", "invite", "delete", "export", "import", "search", "filter",
  "authenticate", "purchase", "configure", "edit", "get-help",
]);

/** The quoted name in a title like `Click 'Export CSV' button`, apostrophes inside it included. */
export function quotedName(title: string): string | undefined {
  const first = title.indexOf("'");
  const last = title.lastIndexOf("'");
  return first >= 0 && last > first + 1 ? title.slice(first + 1, last) : undefined;
}

function pageOf(url: string): string {
  return pathPageName(url) ?? "Home";
}

function clip(goal: string): string {
  return goal.length <= MAX_GOAL ? goal : `${goal.slice(0, MAX_GOAL - 1)}…`;
}

/** The goal the latest purposeful action suggests, if any. Page names are derived only for the winner. */
function goalFromActions(actions: readonly MatchableAction[]): string | undefined {
  for (let i = actions.length - 1; i >= 0; i--) {
    const a = actions[i]!;
    if (a.type === "submit") {
      const name = quotedName(a.title);
      const page = pageOf(a.canonical_url);
      return name ? `Complete the ${name} form on the ${page} page` : `Complete the form on the ${page} page`;
    }
    if (a.type === "type") return `Fill in the form on the ${pageOf(a.canonical_url)} page`;
    if (a.type === "click") {
      const name = quotedName(a.title);
      const intent = name ? intentOfText(name) : undefined;
      if (intent && PURPOSEFUL.has(intent)) return `${name} on the ${pageOf(a.canonical_url)} page`;
    }
  }
  return undefined;
}

/** The page with the most actions (ties: the most recent one), counted by URL and named once. */
function busiestPage(actions: readonly MatchableAction[]): string | undefined {
  const counts = new Map<string, number>();
  let best: string | undefined;
  for (const a of actions) {
    const n = (counts.get(a.canonical_url) ?? 0) + 1;
    counts.set(a.canonical_url, n);
    if (best === undefined || n >= counts.get(best)!) best = a.canonical_url;
  }
  return best === undefined ? undefined : pageOf(best);
}

export function inferGoal(workflows: readonly Workflow[], actions: readonly MatchableAction[]): InferredGoal | undefined {
  if (actions.length === 0) return undefined;
  const progress = currentWorkflow(workflows, actions);
  if (progress) return { goal: clip(progress.workflow.name), source: "workflow", workflowId: progress.workflow.id };
  const fromActions = goalFromActions(actions);
  if (fromActions) return { goal: clip(fromActions), source: "heuristic" };
  const page = busiestPage(actions);
  return page ? { goal: clip(`Browse the ${page} page`), source: "heuristic" } : undefined;
}

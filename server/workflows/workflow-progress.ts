/**
 * Where a session stands in each workflow (PROTOCOL.md §6), computed from its recent actions:
 * - a step is done when an action in the window matches it;
 * - the furthest done step is the done step latest in the workflow's order;
 * - the user is in a workflow when some step is done and the last is not; the next step is the one right
 *   after the furthest done step;
 * - among several, the workflow with the most recent progress wins.
 */
import type { StepMatch, Workflow, WorkflowStep } from "./workflows.schema.js";

/** The fields of an action that workflow matching reads. */
export interface MatchableAction {
  type: string;
  title: string;
  description: string;
  canonical_url: string;
}

export interface WorkflowProgress {
  workflow: Workflow;
  /** Indexes (in workflow order) of the steps an action matched. */
  doneSteps: number[];
  /** Index of the furthest done step, or -1. */
  furthestDone: number;
  /** Window index of the latest action that matched any step, or -1. */
  lastProgressAt: number;
  inWorkflow: boolean;
  complete: boolean;
  /** The step after the furthest done one, when in the workflow. */
  nextStep: WorkflowStep | undefined;
}

/** The path of a canonical URL, full or path-only, without query, hash or trailing slash. */
export function urlPath(url: string): string {
  let path = url.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(path);
  if (scheme) path = path.slice(scheme[0].length);
  path = path.split(/[?#]/, 1)[0] ?? "";
  if (!path.startsWith("/")) path = `/${path}`;
  if (path.length > 1) path = path.replace(/\/+$/, "");
  return path || "/";
}

/** `:name` matches one segment, a trailing `*` the rest (possibly nothing); otherwise segments compare exactly. */
export function pathMatches(pattern: string, path: string): boolean {
  const p = urlPath(pattern).split("/").filter(Boolean);
  const a = urlPath(path).split("/").filter(Boolean);
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    if (seg === "*" && i === p.length - 1) return true;
    const actual = a[i];
    if (actual === undefined) return false;
    if (seg.startsWith(":")) continue;
    if (seg.toLowerCase() !== actual.toLowerCase()) return false;
  }
  return p.length === a.length;
}

export function actionMatches(action: MatchableAction, match: StepMatch): boolean {
  if (match.type !== undefined && action.type !== match.type) return false;
  if (match.url !== undefined && !pathMatches(match.url, action.canonical_url)) return false;
  if (match.text !== undefined) {
    const needle = match.text.toLowerCase();
    if (!action.title.toLowerCase().includes(needle) && !action.description.toLowerCase().includes(needle)) return false;
  }
  return true;
}

export function workflowProgress(workflow: Workflow, actions: readonly MatchableAction[]): WorkflowProgress {
  const doneSteps: number[] = [];
  let lastProgressAt = -1;
  workflow.steps.forEach((step, s) => {
    let matchedAt = -1;
    actions.forEach((a, i) => {
      if (actionMatches(a, step.match)) matchedAt = i;
    });
    if (matchedAt >= 0) {
      doneSteps.push(s);
      lastProgressAt = Math.max(lastProgressAt, matchedAt);
    }
  });
  const furthestDone = doneSteps.length ? doneSteps[doneSteps.length - 1]! : -1;
  const lastIndex = workflow.steps.length - 1;
  const complete = furthestDone === lastIndex;
  const inWorkflow = furthestDone >= 0 && !complete;
  return {
    workflow,
    doneSteps,
    furthestDone,
    lastProgressAt,
    inWorkflow,
    complete,
    nextStep: inWorkflow ? workflow.steps[furthestDone + 1] : undefined,
  };
}

/** The workflow the user is in, by most recent progress (ties: the earlier-listed workflow), or undefined. */
export function currentWorkflow(workflows: readonly Workflow[], actions: readonly MatchableAction[]): WorkflowProgress | undefined {
  let best: WorkflowProgress | undefined;
  for (const w of workflows) {
    const p = workflowProgress(w, actions);
    if (p.inWorkflow && (!best || p.lastProgressAt > best.lastProgressAt)) best = p;
  }
  return best;
}

/** Whether a URL lies on one of a workflow's pages (the url patterns its steps name). */
export function onWorkflowPage(workflow: Workflow, url: string): boolean {
  return workflow.steps.some((s) => s.match.url !== undefined && pathMatches(s.match.url, url));
}

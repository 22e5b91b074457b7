/**
 * Where a session stands in each workflow (PROTOCOL.md §6), computed from its recent actions:
 * - a step is done when an action in the window matches it;
 * - the furthest done step is the done step latest in the workflow's order;
 * - the user is in a workflow when some step is done and the last is not; the next step is the one right
 *   after the furthest done step;
 * - among several, a workflow whose own pages the user is on wins over one whose pages they have left
 *   (so coming back after a detour puts them back in it), then the most recent progress wins;
 * - a submit that did not go through (rejected-submits.ts: the form's validation rejected it, or it was sent
 *   again) is not done: it matches no step.
 */
import { rejectedSubmits } from "../sessions/rejected-submits.js";
import { memoByUrl } from "./memo-by-url.js";
import { urlPath } from "./url-path.js";
import type { StepMatch, Workflow, WorkflowStep } from "./workflows.schema.js";

export { urlPath };

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
  /** Window index of the latest action matching each done step, parallel to `doneSteps`. */
  matchedAt: number[];
  /** Index of the furthest done step, or -1. */
  furthestDone: number;
  /** Window index of the latest action that matched any step, or -1. */
  lastProgressAt: number;
  inWorkflow: boolean;
  complete: boolean;
  /** The step after the furthest done one, when in the workflow. */
  nextStep: WorkflowStep | undefined;
}


/** Path segments of a URL, lowercased: URL paths compare case-insensitively here. */
function parseSegments(url: string): string[] {
  return urlPath(url).toLowerCase().split("/").filter(Boolean);
}

/**
 * The same, remembered per recently seen URL (memo-by-url.ts): a window is matched against every step of every
 * workflow, on every evaluation, goal refresh and sync. This was memoised on each action object (a WeakMap), but
 * most readers build fresh action objects for every match, so it missed — and a WeakMap of short-lived keys
 * is work for every scavenge. Callers never mutate the array they get.
 */
const segmentsOfUrl = memoByUrl(parseSegments);

const segmentsOfAction = (action: MatchableAction): string[] => segmentsOfUrl(action.canonical_url);

function segmentsMatch(pattern: readonly string[], actual: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const seg = pattern[i]!;
    if (seg === "*" && i === pattern.length - 1) return true;
    const got = actual[i];
    if (got === undefined) return false;
    if (seg.startsWith(":")) continue;
    if (seg !== got) return false;
  }
  return pattern.length === actual.length;
}

/** `:name` matches one segment, a trailing `*` the rest (possibly nothing); otherwise segments compare exactly. */
export function pathMatches(pattern: string, path: string): boolean {
  return segmentsMatch(parseSegments(pattern), parseSegments(path));
}

// Matching runs for every workflow step against every window action on each evaluation and goal
// refresh: steps are compiled once for the life of the (immutable) workflows, URLs parsed once per page.
interface CompiledMatch {
  segments: string[] | undefined;
  type: string | undefined;
  text: string | undefined;
}
const compiledMatches = new WeakMap<StepMatch, CompiledMatch>();

function compile(match: StepMatch): CompiledMatch {
  let c = compiledMatches.get(match);
  if (!c) {
    c = { segments: match.url === undefined ? undefined : parseSegments(match.url), type: match.type, text: match.text?.toLowerCase() };
    compiledMatches.set(match, c);
  }
  return c;
}

const includesFolded = (haystack: string, needle: string) => haystack.toLowerCase().includes(needle);

export function actionMatches(action: MatchableAction, match: StepMatch): boolean {
  const m = compile(match);
  if (m.type !== undefined && action.type !== m.type) return false;
  if (m.segments !== undefined && !segmentsMatch(m.segments, segmentsOfAction(action))) return false;
  if (m.text !== undefined && !includesFolded(action.title, m.text) && !includesFolded(action.description, m.text)) return false;
  return true;
}

/** `failed`: the window's rejected submits, when the caller has worked them out already (for several workflows). */
export function workflowProgress(workflow: Workflow, actions: readonly MatchableAction[], failed: ReadonlySet<number> = rejectedSubmits(actions)): WorkflowProgress {
  const doneSteps: number[] = [];
  const matched: number[] = [];
  let lastProgressAt = -1;
  workflow.steps.forEach((step, s) => {
    let matchedAt = -1;
    // The latest match is what counts, so scan from the newest action back.
    for (let i = actions.length - 1; i >= 0; i--) {
      if (actionMatches(actions[i]!, step.match) && !failed.has(i)) {
        matchedAt = i;
        break;
      }
    }
    if (matchedAt >= 0) {
      doneSteps.push(s);
      matched.push(matchedAt);
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
    matchedAt: matched,
    furthestDone,
    lastProgressAt,
    inWorkflow,
    complete,
    nextStep: inWorkflow ? workflow.steps[furthestDone + 1] : undefined,
  };
}

/**
 * How strongly the page at `url` belongs to a workflow in progress: 2 when one of its steps names the page,
 * 1 when one of its done steps happened there (a step without a URL), else 0.
 */
function pageClaim(p: WorkflowProgress, actions: readonly MatchableAction[], url: string): number {
  if (onWorkflowPage(p.workflow, url)) return 2;
  const path = urlPath(url);
  return p.matchedAt.some((i) => urlPath(actions[i]!.canonical_url) === path) ? 1 : 0;
}

/**
 * The workflow the user is in, or undefined: the strongest claim on the current page first, then the most
 * recent progress (ties: the earlier-listed workflow).
 */
export function currentWorkflow(workflows: readonly Workflow[], actions: readonly MatchableAction[]): WorkflowProgress | undefined {
  const here = actions.at(-1)?.canonical_url;
  const failed = rejectedSubmits(actions);
  let best: { p: WorkflowProgress; claim: number } | undefined;
  for (const w of workflows) {
    const p = workflowProgress(w, actions, failed);
    if (!p.inWorkflow) continue;
    const claim = here === undefined ? 0 : pageClaim(p, actions, here);
    if (!best || claim > best.claim || (claim === best.claim && p.lastProgressAt > best.p.lastProgressAt)) best = { p, claim };
  }
  return best?.p;
}

/** Whether a URL lies on one of a workflow's pages (the url patterns its steps name). */
export function onWorkflowPage(workflow: Workflow, url: string): boolean {
  const segments = segmentsOfUrl(url);
  return workflow.steps.some((s) => {
    const m = compile(s.match);
    return m.segments !== undefined && segmentsMatch(m.segments, segments);
  });
}

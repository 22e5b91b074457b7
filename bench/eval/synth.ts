/**
 * Synthetic actions for the offline evaluation: an action that a workflow step matches (checked, so a
 * workflows file the generator misreads fails loudly), page views, and filler actions that match no step.
 */
import type { ActionSpec } from "../../test/helpers/suggestions.js";
import { actionMatches } from "../../server/workflows/workflow-progress.js";
import type { Workflow, WorkflowStep } from "../../server/workflows/workflows.schema.js";
import type { Rng } from "./rng.js";

const titleCase = (s: string) => s.replace(/\b\w/g, (c) => c.toUpperCase());

/** A concrete path for a step's URL pattern: `:id` becomes a record number, a trailing `*` a sub-page. */
export function concreteUrl(pattern: string, rng: Rng): string {
  return pattern
    .split("/")
    .map((seg) => (seg.startsWith(":") ? String(rng.int(10, 9_999)) : seg === "*" ? "overview" : seg))
    .join("/");
}

export function pageview(url: string): ActionSpec {
  const name = url.split("/").filter(Boolean).join(" ") || "home";
  return { type: "pageview", url, title: `Page Load: ${titleCase(name)}`, description: `User landed on the ${name} page` };
}

function described(type: string, url: string, title: string): ActionSpec {
  const verb = type === "click" ? "clicked" : type === "type" ? "typed in" : type === "submit" ? "submitted" : type;
  return { type, url, title, description: `User ${verb} ${title.replace(/^\w+ (in )?/, "")}` };
}

/** An action that `step` matches, on the current page unless the step names its own. */
export function stepAction(step: WorkflowStep, page: string, rng: Rng): ActionSpec {
  const m = step.match;
  const url = m.url ? concreteUrl(m.url, rng) : page;
  const type = m.type ?? (m.text ? "click" : "pageview");
  const text = m.text ? titleCase(m.text) : undefined;
  let action: ActionSpec;
  if (type === "pageview") action = pageview(url);
  else if (type === "type") action = described(type, url, `Type in '${text ?? "Details"}' field`);
  else if (type === "submit") action = described(type, url, `Submit '${text ?? "Save"}' form`);
  else action = described(type, url, `Click '${text ?? "Continue"}' button`);
  if (!actionMatches({ type: action.type!, title: action.title!, description: action.description!, canonical_url: action.url }, m)) {
    throw new Error(`eval generator: the action made for step ${step.id} does not match it: ${JSON.stringify(action)}`);
  }
  return action;
}

const FILLERS = [
  ["click", "Click 'Filters' button"],
  ["click", "Click 'Sort by date' button"],
  ["type", "Type in 'Search' field"],
  ["click", "Click 'Help' link"],
  ["focus", "Focus 'Notes' field"],
] as const;

/** An action that no step of any workflow matches (so it never advances or starts one). */
export function fillerAction(page: string, workflows: readonly Workflow[], rng: Rng): ActionSpec | undefined {
  for (let attempt = 0; attempt < 5; attempt++) {
    const [type, title] = rng.pick(FILLERS);
    const action = described(type, page, title);
    const matchable = { type, title, description: action.description!, canonical_url: page };
    if (!workflows.some((w) => w.steps.some((s) => actionMatches(matchable, s.match)))) return action;
  }
  return undefined;
}

/** Whether an action matches a step (for follow-through and ground truth). */
export function matchesStep(action: ActionSpec, step: WorkflowStep): boolean {
  return actionMatches({ type: action.type ?? "pageview", title: action.title ?? "", description: action.description ?? "", canonical_url: action.url }, step.match);
}

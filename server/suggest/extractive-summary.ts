/**
 * The rolling summary without an LLM: extractive, so it only states what the actions say — pages in the
 * order visited, the key clicks, submits and inputs (with repeats counted), and workflow progress — and it
 * carries the previous summary forward in a bounded form.
 */
import type { SlimAction } from "../ingest/autoplay.schema.js";
import { rejectedSubmits } from "../sessions/rejected-submits.js";
import { workflowProgress } from "../workflows/workflow-progress.js";
import type { Workflow } from "../workflows/workflows.schema.js";
import { pageLabel, targetLabel } from "../sessions/action-labels.js";

const MAX_PREVIOUS = 600;
const MAX_PAGES = 8;
const MAX_KEY_ACTIONS = 8;
export const MAX_SUMMARY_TEXT = 2_000;

const VERBS: Record<string, string> = { click: "clicked", submit: "submitted", type: "typed in" };

function pages(actions: readonly SlimAction[]): string[] {
  const visited: string[] = [];
  for (const a of actions) {
    const label = pageLabel(a.canonical_url);
    if (visited.at(-1) !== label) visited.push(label);
  }
  if (visited.length <= MAX_PAGES) return visited;
  return [...visited.slice(0, MAX_PAGES / 2), "…", ...visited.slice(-MAX_PAGES / 2)];
}

function keyActions(actions: readonly SlimAction[]): string[] {
  const counts = new Map<string, number>();
  for (const a of actions) {
    const verb = VERBS[a.type];
    if (!verb) continue;
    const key = `${verb} '${targetLabel(a)}'`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  // Submits first: they are what a user was trying to get done.
  const entries = [...counts].sort((x, y) => Number(y[0].startsWith("submitted")) - Number(x[0].startsWith("submitted")));
  const shown = entries.slice(0, MAX_KEY_ACTIONS).map(([k, n]) => (n > 1 ? `${k} ×${n}` : k));
  if (entries.length > MAX_KEY_ACTIONS) shown.push(`and ${entries.length - MAX_KEY_ACTIONS} more`);
  return shown;
}

function workflowLines(actions: readonly SlimAction[], workflows: readonly Workflow[]): string[] {
  const lines: string[] = [];
  const failed = rejectedSubmits(actions);
  for (const w of workflows) {
    const p = workflowProgress(w, actions, failed);
    if (p.complete) lines.push(`${w.name} — completed`);
    else if (p.inWorkflow) lines.push(`${w.name} — ${p.furthestDone + 1} of ${w.steps.length} steps done (next: ${p.nextStep!.hint})`);
  }
  return lines;
}

/** HH:MM (UTC), or undefined: timestamps come from senders, and one far enough out is not a Date at all. */
function clock(s: number): string | undefined {
  const date = new Date(s * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().slice(11, 16);
}

export function buildExtractiveSummary(previous: string | null, actions: readonly SlimAction[], workflows: readonly Workflow[]): string {
  const lines: string[] = [];
  if (previous?.trim()) {
    const flat = previous.replace(/\s*\n\s*/g, "; ").trim();
    lines.push(`Earlier: ${flat.length > MAX_PREVIOUS ? `${flat.slice(0, MAX_PREVIOUS - 1)}…` : flat}`);
  }
  const timed = actions.filter((a) => a.timestamp_start > 0);
  const [from, to] = [clock(timed[0]?.timestamp_start ?? 0), clock(timed.at(-1)?.timestamp_start ?? 0)];
  const span = timed.length && from && to ? ` between ${from} and ${to} UTC` : "";
  lines.push(`Then ${actions.length} actions${span}.`);
  const visited = pages(actions);
  if (visited.length) lines.push(`Pages: ${visited.join(" → ")}`);
  const keys = keyActions(actions);
  if (keys.length) lines.push(`Key actions: ${keys.join("; ")}`);
  const flows = workflowLines(actions, workflows);
  if (flows.length) lines.push(`Workflows: ${flows.join("; ")}`);
  const text = lines.join("\n");
  return text.length > MAX_SUMMARY_TEXT ? `${text.slice(0, MAX_SUMMARY_TEXT - 1)}…` : text;
}

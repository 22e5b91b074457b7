/**
 * The attempt tracker: works through a session's actions once, in order, and keeps its workflow attempts
 * (PROTOCOL.md §6 steps) — which step each action matched, steps skipped or done out of order, completion,
 * abandonment, and the struggle seen during each attempt. Pure: the memory service loads and stores.
 *
 * - An attempt starts when a second distinct step of a workflow matches (one matching page view alone is
 *   a visit, not an attempt); a one-step workflow starts and completes at once.
 * - It completes when its last step matches, and is abandoned when nothing touches it for `abandonAfterMs`.
 * - A submit that did not go through — the form's validation rejected it, or it was sent again — completes
 *   nothing: the rule is sessions/rejected-submits.ts, the same one live workflow progress applies. Its step
 *   match is withdrawn (an attempt it "completed" is open again) and it counts as a failed submit, the
 *   validation message (if any) as the attempt's last issue.
 * - Struggle (failed submits, rage clicks, dwell) counts for the attempt the user was working on: the one
 *   whose pages they were on, else the one with the latest progress.
 * - Only attempts at the workflows as they are now are continued (workflows/workflow-version.ts): an open
 *   attempt at a workflow since removed or restructured is left as it was.
 */
import type { AttemptRecord, AttemptStep } from "../../db/attempt.repository.js";
import { formatDuration, pageLabel, targetLabel } from "../sessions/action-labels.js";
import { placeOf } from "../sessions/place.js";
import { emptySubmitWatch, watchSubmits, type FailedSubmit, type SubmitWatch } from "../sessions/rejected-submits.js";
import { ownActionTime } from "../suggest/struggle-detectors.js";
import { actionMatches, onWorkflowPage } from "../workflows/workflow-progress.js";
import { isCurrentAttempt, workflowVersion } from "../workflows/workflow-version.js";
import type { Workflow } from "../workflows/workflows.schema.js";

export interface TrackedAction {
  id: number;
  type: string;
  title: string;
  description: string;
  canonicalUrl: string;
  /** Wall-clock ms the server received it (comparable with suggestion times). */
  receivedAt: number;
  /** The source's own timestamp in Unix seconds (0 when none): the user's pace. */
  timestampStart: number;
}

/** An attempt as the tracker works on it: the stored fields it changes, its steps, and whether it changed. */
export interface TrackedAttempt
  extends Pick<
    AttemptRecord,
    | "workflowId" | "workflowVersion" | "outcome" | "failedSubmits" | "rageClicks" | "dwells" | "longestDwellMs" | "lastIssueCode" | "lastIssue"
    | "startedAt" | "progressedAt" | "updatedAt" | "endedAt"
  > {
  /** Null until stored. */
  id: number | null;
  /** In step order. */
  steps: AttemptStep[];
  /** Changed since loaded: must be stored. */
  dirty: boolean;
}

export interface ScanState {
  /** Per workflow: a single matched step waiting for a second one to make an attempt (of the workflow's version). */
  pending: Record<string, { step: number; actionId: number; at: number; version?: string }>;
  /** Which submits went through (sessions/rejected-submits.ts), between batches. */
  submits: SubmitWatch;
  clicks: { key: string; times: number[] } | null;
  /** The previous action's own time (ms) and place. */
  lastT: number | null;
  lastPlace: string | null;
}

export interface TrackerOptions {
  dwellMs: number;
  abandonAfterMs: number;
  rageClicks?: number;
  rageWindowMs?: number;
}

export const emptyScan = (): ScanState => ({ pending: {}, submits: emptySubmitWatch(), clicks: null, lastT: null, lastPlace: null });

/** A stored scan state; one saved before the submit rule was shared (its `lastSubmit`) starts that rule afresh. */
export function restoreScan(json: string): ScanState {
  const { lastSubmit: _old, ...saved } = JSON.parse(json) as Partial<ScanState> & { lastSubmit?: unknown };
  return { ...emptyScan(), ...saved };
}

/** The figures stored with an attempt, derived from its steps. */
export function summariseAttempt(a: Pick<TrackedAttempt, "steps">, w: Workflow) {
  const matched = new Set(a.steps.map((s) => s.stepIndex));
  const furthestStep = Math.max(-1, ...matched);
  return {
    expectedSteps: w.steps.length,
    matchedSteps: matched.size,
    furthestStep,
    completionPct: Math.round((matched.size / w.steps.length) * 1000) / 10,
    missedSteps: w.steps.filter((_, i) => i < furthestStep && !matched.has(i)).map((s) => s.id),
    outOfOrder: a.steps.filter((s) => s.outOfOrder).map((s) => s.stepId),
  };
}

/** A failed submit in the product's words: the validation message the user saw, or the form sent again. */
function failedSubmitIssue(f: FailedSubmit): string {
  const where = pageLabel(f.evidence.canonical_url);
  if (f.cause === "resubmitted") return `'${f.label}' on ${where} had to be submitted again`;
  return f.label === null ? `${f.evidence.title} on ${where}` : `${f.evidence.title} (submitting '${f.label}' on ${where})`;
}

const actionTime = (a: TrackedAction) => ownActionTime({ timestamp_start: a.timestampStart, timestamp_end: 0 }, a.receivedAt) ?? a.receivedAt;

export function trackActions(workflows: readonly Workflow[], attempts: TrackedAttempt[], scan: ScanState, actions: readonly TrackedAction[], o: TrackerOptions): void {
  const rageClicks = o.rageClicks ?? 3;
  const rageWindowMs = o.rageWindowMs ?? 1_000;
  const byId = new Map(workflows.map((w) => [w.id, w]));
  const open = () => attempts.filter((a) => a.outcome === "in_progress" && isCurrentAttempt(a, byId));

  /** The attempt the user is working on at `url`. */
  function current(url: string | null): TrackedAttempt | undefined {
    const candidates = open();
    const here = url === null ? [] : candidates.filter((a) => onWorkflowPage(byId.get(a.workflowId)!, url));
    return (here.length ? here : candidates).reduce<TrackedAttempt | undefined>((best, a) => (!best || a.progressedAt > best.progressedAt ? a : best), undefined);
  }

  function struggle(a: TrackedAttempt | undefined, code: "failed_submit" | "rage_click" | "dwell", issue: string, at: number, dwellMs = 0): void {
    if (!a) return;
    if (code === "failed_submit") a.failedSubmits++;
    if (code === "rage_click") a.rageClicks++;
    if (code === "dwell") {
      a.dwells++;
      a.longestDwellMs = Math.max(a.longestDwellMs, Math.round(dwellMs));
    }
    a.lastIssueCode = code;
    a.lastIssue = issue;
    a.updatedAt = Math.max(a.updatedAt, at);
    a.dirty = true;
  }

  /** A submit that was sent again did not go through: it completes nothing. */
  function withdraw(actionId: number): TrackedAttempt | undefined {
    let hit: TrackedAttempt | undefined;
    for (const a of attempts) {
      const i = a.steps.findIndex((s) => s.actionId === actionId);
      if (i < 0 || !isCurrentAttempt(a, byId)) continue;
      const w = byId.get(a.workflowId);
      a.steps.splice(i, 1);
      if (a.outcome === "completed" && w && !a.steps.some((s) => s.stepIndex === w.steps.length - 1)) {
        a.outcome = "in_progress";
        a.endedAt = null;
      }
      a.progressedAt = Math.max(a.startedAt, ...a.steps.map((s) => s.matchedAt));
      a.dirty = true;
      hit = a;
    }
    for (const [wf, p] of Object.entries(scan.pending)) if (p.actionId === actionId) delete scan.pending[wf];
    return hit;
  }

  function match(w: Workflow, step: number, action: TrackedAction): void {
    const at = action.receivedAt;
    const lastStep = w.steps.length - 1;
    let attempt = open().find((a) => a.workflowId === w.id);
    const record = (a: TrackedAttempt) => {
      const furthest = Math.max(-1, ...a.steps.map((s) => s.stepIndex));
      a.steps.push({ stepIndex: step, stepId: w.steps[step]!.id, actionId: action.id, matchedAt: at, outOfOrder: step < furthest });
      a.steps.sort((x, y) => x.stepIndex - y.stepIndex);
      a.progressedAt = a.updatedAt = Math.max(a.updatedAt, at);
      if (step === lastStep) {
        a.outcome = "completed";
        a.endedAt = at;
      }
      a.dirty = true;
    };
    if (attempt) {
      if (attempt.steps.some((s) => s.stepIndex === step)) {
        attempt.updatedAt = Math.max(attempt.updatedAt, at);
        attempt.dirty = true;
      } else {
        record(attempt);
      }
      return;
    }
    const version = workflowVersion(w);
    let pending = scan.pending[w.id];
    if (pending && pending.version !== undefined && pending.version !== version) pending = undefined; // begun on another version
    if (w.steps.length > 1 && pending?.step === step) return; // the same step again: the visit began with the first
    if (w.steps.length > 1 && !pending) {
      scan.pending[w.id] = { step, actionId: action.id, at, version };
      return;
    }
    attempt = {
      id: null, workflowId: w.id, workflowVersion: version, outcome: "in_progress", steps: [], failedSubmits: 0, rageClicks: 0, dwells: 0, longestDwellMs: 0,
      lastIssueCode: null, lastIssue: null, startedAt: pending?.at ?? at, progressedAt: at, updatedAt: at, endedAt: null, dirty: true,
    };
    if (pending) attempt.steps.push({ stepIndex: pending.step, stepId: w.steps[pending.step]!.id, actionId: pending.actionId, matchedAt: pending.at, outOfOrder: false });
    delete scan.pending[w.id];
    attempts.push(attempt);
    record(attempt);
  }

  for (const action of actions) {
    const at = action.receivedAt;
    const t = actionTime(action);
    const place = placeOf(action.canonicalUrl);

    // Attempts and pending starts that nothing touched for too long were given up.
    for (const a of open()) {
      if (at - a.updatedAt <= o.abandonAfterMs) continue;
      a.outcome = "abandoned";
      a.endedAt = a.updatedAt;
      a.dirty = true;
    }
    for (const [wf, p] of Object.entries(scan.pending)) if (at - p.at > o.abandonAfterMs) delete scan.pending[wf];

    if (scan.lastT !== null && t - scan.lastT >= o.dwellMs && t - scan.lastT < o.abandonAfterMs) {
      const page = scan.lastPlace ?? place;
      struggle(current(page), "dwell", `idle for ${formatDuration(t - scan.lastT)} on ${pageLabel(page)}`, at, t - scan.lastT);
    }
    const label = targetLabel(action);
    const matchable = { type: action.type, title: action.title, description: action.description, canonical_url: action.canonicalUrl };
    const failed = watchSubmits(scan.submits, matchable, action.id, place);
    if (failed) {
      const reopened = failed.submitRef === null ? undefined : withdraw(failed.submitRef);
      struggle(reopened ?? current(action.canonicalUrl), "failed_submit", failedSubmitIssue(failed), at);
    }
    if (action.type === "click") {
      const key = `${place}\u0000${label}`;
      const times = scan.clicks?.key === key ? scan.clicks.times.filter((x) => t - x <= rageWindowMs) : [];
      times.push(t);
      if (times.length >= rageClicks) {
        struggle(current(action.canonicalUrl), "rage_click", `'${label}' clicked ${times.length} times in a row on ${pageLabel(action.canonicalUrl)}`, at);
        scan.clicks = null;
      } else {
        scan.clicks = { key, times };
      }
    }

    for (const w of workflows) {
      w.steps.forEach((step, i) => {
        if (actionMatches(matchable, step.match)) match(w, i, action);
      });
    }
    scan.lastT = t;
    scan.lastPlace = place;
  }
}

/**
 * Silence when silence is right (pure). Three holds that keep the engine from interrupting people who are
 * fine, each with its reason code:
 * - `stale`: the latest action arrived long ago, or was already old when it arrived (a backfill or replay):
 *   nobody is there to help, so no "Still on Home after 120 hours".
 * - `after_completion`: the user just finished a workflow and is still on the page the finish landed on —
 *   no nudge into the next workflow from there (struggle such as rage clicks still speaks).
 * - `moving_fast`: the latest action advanced the workflow and the user goes through its steps at a quick
 *   pace: a nudge now would be overtaken by their own next step and retracted a moment later. The engine
 *   looks again once they have been still for longer than their own pace. A maximum-wait evaluation while
 *   they are advancing is held the same way (the debounce follows when they pause).
 */
import type { AttemptWithSteps } from "../../db/attempt.repository.js";
import type { SlimAction } from "../ingest/autoplay.schema.js";
import { placeOf } from "../sessions/place.js";
import type { WorkflowProgress } from "../workflows/workflow-progress.js";
import { actionMatches } from "../workflows/workflow-progress.js";
import { formatDuration } from "../sessions/action-labels.js";
import type { HoldCode, RuleNote } from "./rule-notes.js";
import type { Trigger } from "./scheduler.js";
import { ownActionTime, type StruggleSignal } from "./struggle-detectors.js";

export interface PrecisionSettings {
  /** A session whose latest action is older than this is not live (0: never stale). */
  staleAfterMs: number;
  /** How long after a completion the landing page stays quiet (0: off). */
  completionCooldownMs: number;
  /** Longest a pace hold waits (0: off). */
  paceHoldMaxMs: number;
  debounceMs: number;
  maxWaitMs: number;
}

export interface PrecisionInput {
  window: readonly SlimAction[];
  receivedAt: readonly number[];
  windowActionIds: readonly number[];
  placement: WorkflowProgress | undefined;
  signals: readonly StruggleSignal[];
  /** This session's workflow attempts (user memory), for completions. */
  sessionAttempts: readonly AttemptWithSteps[];
  trigger: Trigger;
  now: number;
}

export type PrecisionHold = RuleNote & { code: HoldCode; recheckAt?: number };

const ownTime = (a: SlimAction, received: number) => ownActionTime(a, received) ?? received;
/** Steps closer together than this came in one batch, not at a human pace: they say nothing about pace. */
const MIN_HUMAN_GAP_MS = 250;

function stale(i: PrecisionInput, s: PrecisionSettings): PrecisionHold | null {
  if (s.staleAfterMs <= 0) return null;
  const last = i.window.at(-1);
  const received = i.receivedAt.at(-1);
  if (!last || received === undefined) return null;
  const idle = i.now - received;
  const ageOnArrival = received - ownTime(last, received);
  if (idle > s.staleAfterMs) return { code: "stale", detail: `the latest action arrived ${formatDuration(idle)} ago` };
  if (ageOnArrival > s.staleAfterMs) return { code: "stale", detail: `the latest action was ${formatDuration(ageOnArrival)} old when it arrived (a backfill or replay)` };
  return null;
}

function afterCompletion(i: PrecisionInput, s: PrecisionSettings): PrecisionHold | null {
  if (s.completionCooldownMs <= 0) return null;
  if (i.signals.some((x) => x.kind === "rage_click" || x.kind === "repeated_submit")) return null;
  let finish = -1;
  let workflowId = "";
  for (const a of i.sessionAttempts) {
    if (a.outcome !== "completed") continue;
    const last = a.steps.at(-1);
    const at = last ? i.windowActionIds.indexOf(last.actionId) : -1;
    if (at > finish) [finish, workflowId] = [at, a.workflowId];
  }
  if (finish < 0 || i.now - i.receivedAt[finish]! >= s.completionCooldownMs) return null;
  const finishedOn = placeOf(i.window[finish]!.canonical_url);
  const landing = i.window.slice(finish + 1).find((a) => a.type === "pageview");
  const landedOn = landing ? placeOf(landing.canonical_url) : finishedOn;
  const stayed = i.window.slice(finish + 1).every((a) => [finishedOn, landedOn].includes(placeOf(a.canonical_url)));
  return stayed ? { code: "after_completion", detail: `${workflowId} was just completed; the user is still on the page it landed on` } : null;
}

/**
 * Window indexes at which each step of the workflow was first done, in order. Unlike the latest match of a
 * step (which any further click on a step's page renews), these are the moments the user advanced.
 */
export function advances(p: WorkflowProgress, window: readonly SlimAction[]): number[] {
  return p.workflow.steps
    .map((step) => window.findIndex((a) => actionMatches(a, step.match)))
    .filter((n) => n >= 0)
    .sort((a, b) => a - b);
}

function movingFast(i: PrecisionInput, s: PrecisionSettings): PrecisionHold | null {
  const p = i.placement;
  if (s.paceHoldMaxMs <= 0 || !p || i.signals.length > 0) return null;
  // When each step was first done in the window, in order: the user's own pace between steps.
  const firsts = advances(p, i.window);
  const latest = i.window.length - 1;
  const lastAdvance = firsts.at(-1);
  // A maximum-wait evaluation comes in the middle of steady activity: a step done during it means the user
  // is getting on with it (the debounce evaluates when they pause).
  if (i.trigger === "max_wait" && lastAdvance !== undefined && i.now - i.receivedAt[lastAdvance]! <= s.maxWaitMs) {
    return { code: "moving_fast", detail: "the user did a step of the workflow during this burst of activity" };
  }
  // Only a step newly done by the latest action is an advance (more clicks on a step's page are not).
  if (lastAdvance !== latest) return null;
  const times = firsts.map((n) => ownTime(i.window[n]!, i.receivedAt[n]!));
  const gaps = times.slice(1).map((t, n) => t - times[n]!).filter((g) => g >= MIN_HUMAN_GAP_MS).sort((a, b) => a - b);
  if (gaps.length === 0) return null;
  const pace = gaps[Math.floor(gaps.length / 2)]!;
  const wait = Math.min(2 * pace + s.debounceMs, s.paceHoldMaxMs);
  const since = i.now - i.receivedAt[latest]!;
  if (2 * pace >= s.paceHoldMaxMs || since >= wait) return null;
  return {
    code: "moving_fast",
    detail: `steps done every ${formatDuration(pace)}; looking again if nothing happens for ${formatDuration(wait)}`,
    recheckAt: i.receivedAt[latest]! + wait,
  };
}

/** The first precision hold that applies now, or null. */
export function precisionHold(i: PrecisionInput, s: PrecisionSettings): PrecisionHold | null {
  return stale(i, s) ?? afterCompletion(i, s) ?? movingFast(i, s);
}

/**
 * Struggle signals (ARCHITECTURE.md step 5, PROTOCOL.md §6), computed from a session's window. Pure and
 * deterministic: the same actions and the same `now` give the same signals, strongest first.
 *
 * A signal is reported only while it is current — its last action is among the latest few — so an old
 * burst of clicks does not keep producing suggestions after the user has moved on.
 */
import type { SlimAction } from "../ingest/autoplay.schema.js";
import { isListAndRecord, placeOf } from "../sessions/place.js";
import { urlPath } from "../workflows/workflow-progress.js";
import { targetLabel } from "../sessions/action-labels.js";

export type StruggleKind = "rage_click" | "repeated_submit" | "ping_pong" | "dwell";

export interface StruggleSignal {
  kind: StruggleKind;
  /** Window indexes of the actions that show it. */
  evidence: number[];
  /** canonical_url of the page where it happens (the latest page for ping-pong). */
  url: string;
  /** What was clicked or submitted, for rage clicks and repeated submits. */
  target?: string;
  /** Clicks, submits, or page switches. */
  count?: number;
  /** Span of the clicks/submits, or how long the user has been idle (dwell). */
  spanMs?: number;
  /** The page the user keeps going back from (ping-pong). */
  otherUrl?: string;
}

export interface DetectorOptions {
  now: number;
  /** Wall-clock ms of the user's latest action. */
  lastActivityAt: number;
  dwellMs: number;
  rageClicks?: number;
  rageWindowMs?: number;
  submitRepeats?: number;
  submitWindowMs?: number;
  /** How many of the latest actions count as "current". */
  recentActions?: number;
}

const DEFAULTS = { rageClicks: 3, rageWindowMs: 1_000, submitRepeats: 2, submitWindowMs: 60_000, recentActions: 5 };

const ms = (a: SlimAction) => a.timestamp_start * 1000;

/** ≥ N clicks on one target (same label on the same page) within the window of time, using action timestamps. */
export function detectRageClicks(actions: readonly SlimAction[], o: Required<Pick<DetectorOptions, "rageClicks" | "rageWindowMs" | "recentActions">>): StruggleSignal | undefined {
  const groups = new Map<string, SlimAction[]>();
  for (const a of actions) {
    if (a.type !== "click" || a.timestamp_start <= 0) continue;
    const key = `${urlPath(a.canonical_url)}\u0000${targetLabel(a)}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  let best: SlimAction[] | undefined;
  for (const clicks of groups.values()) {
    clicks.sort((x, y) => x.timestamp_start - y.timestamp_start || x.index - y.index);
    for (let end = clicks.length - 1; end >= o.rageClicks - 1; end--) {
      let start = end;
      while (start > 0 && ms(clicks[end]!) - ms(clicks[start - 1]!) <= o.rageWindowMs) start--;
      if (end - start + 1 >= o.rageClicks) {
        const burst = clicks.slice(start, end + 1);
        if (!best || burst.at(-1)!.index > best.at(-1)!.index) best = burst;
        break;
      }
    }
  }
  if (!best || best.at(-1)!.index < actions.length - o.recentActions) return undefined;
  const last = best.at(-1)!;
  return {
    kind: "rage_click",
    evidence: best.map((a) => a.index),
    url: last.canonical_url,
    target: targetLabel(last),
    count: best.length,
    spanMs: ms(last) - ms(best[0]!),
  };
}

/** The same form submitted again in a short span without leaving its page: the submit is probably failing. */
export function detectRepeatedSubmits(
  actions: readonly SlimAction[],
  o: Required<Pick<DetectorOptions, "submitRepeats" | "submitWindowMs" | "recentActions">>,
): StruggleSignal | undefined {
  const last = [...actions].reverse().find((a) => a.type === "submit");
  if (!last || last.index < actions.length - o.recentActions) return undefined;
  const page = urlPath(last.canonical_url);
  const label = targetLabel(last);
  const same: SlimAction[] = [last];
  for (let i = last.index - 1; i >= 0; i--) {
    const a = actions[i]!;
    // Navigating to another page means the earlier submit went through.
    if (a.type === "pageview" && urlPath(a.canonical_url) !== page) break;
    if (a.type !== "submit" || urlPath(a.canonical_url) !== page || targetLabel(a) !== label) continue;
    if (a.timestamp_start > 0 && last.timestamp_start > 0 && ms(last) - ms(a) > o.submitWindowMs) break;
    same.unshift(a);
  }
  if (same.length < o.submitRepeats) return undefined;
  const timed = same[0]!.timestamp_start > 0 && last.timestamp_start > 0;
  return {
    kind: "repeated_submit",
    evidence: same.map((a) => a.index),
    url: last.canonical_url,
    target: label,
    count: same.length,
    ...(timed ? { spanMs: ms(last) - ms(same[0]!) } : {}),
  };
}

/**
 * A→B→A after collapsing consecutive actions in one place into one visit, with the return just now. Places
 * count record ids as one (`/contacts/42` and `/contacts/57` are both a contact record), and two moves are
 * not a bounce: going between a list and its records (list → record → list is browsing), and coming back
 * after submitting a form on B (a form that redirects back to where it was opened from).
 */
export function detectPingPong(actions: readonly SlimAction[], recentActions: number): StruggleSignal | undefined {
  const visits: { place: string; url: string; first: number; last: number; submitted: boolean }[] = [];
  for (const a of actions) {
    const place = placeOf(a.canonical_url);
    const prev = visits.at(-1);
    if (prev && prev.place === place) {
      prev.last = a.index;
      prev.submitted ||= a.type === "submit";
    } else {
      visits.push({ place, url: a.canonical_url, first: a.index, last: a.index, submitted: a.type === "submit" });
    }
  }
  const [a, b, c] = visits.slice(-3);
  if (!a || !b || !c || a.place !== c.place || a.place === b.place) return undefined;
  if (isListAndRecord(a.place, b.place) || b.submitted) return undefined;
  // Only a fresh return counts; a user who came back and got on with it is not bouncing.
  if (c.first < actions.length - Math.min(recentActions, 3)) return undefined;
  let switches = 2;
  for (let i = visits.length - 4; i >= 0 && visits[i]!.place === (switches % 2 === 0 ? b.place : a.place); i--) switches++;
  return { kind: "ping_pong", evidence: [a.last, b.first, c.first], url: c.url, otherUrl: b.url, count: switches };
}

/** No action for `dwellMs` or more, measured against now. */
export function detectDwell(actions: readonly SlimAction[], o: Pick<DetectorOptions, "now" | "lastActivityAt" | "dwellMs">): StruggleSignal | undefined {
  const last = actions.at(-1);
  if (!last) return undefined;
  const idle = o.now - o.lastActivityAt;
  if (idle < o.dwellMs) return undefined;
  return { kind: "dwell", evidence: [last.index], url: last.canonical_url, spanMs: idle };
}

/** Every current signal, strongest first: rage clicks, repeated submits, ping-pong, dwell. */
export function detectStruggle(actions: readonly SlimAction[], options: DetectorOptions): StruggleSignal[] {
  const o = { ...DEFAULTS, ...options };
  return [detectRageClicks(actions, o), detectRepeatedSubmits(actions, o), detectPingPong(actions, o.recentActions), detectDwell(actions, o)].filter(
    (s): s is StruggleSignal => s !== undefined,
  );
}

/** Before 2000-01-01: not a real action time (a relative clock, a placeholder) — the receipt time stands in. */
const EARLIEST_PLAUSIBLE_MS = 946_684_800_000;

/** An action's own time in ms when the source gave a plausible one (not before 2000, not days ahead), else undefined. */
export function ownActionTime(a: Pick<SlimAction, "timestamp_start" | "timestamp_end">, receivedAt: number): number | undefined {
  const t = Math.max(a.timestamp_end, a.timestamp_start) * 1000;
  return t >= EARLIEST_PLAUSIBLE_MS && t <= receivedAt + 86_400_000 ? t : undefined;
}

/** Wall-clock ms of the latest action: its own timestamp when the source gave a plausible one, else when it was received. */
export function lastActivityTime(actions: readonly SlimAction[], receivedAt: number): number {
  const last = actions.at(-1);
  if (!last) return receivedAt;
  return ownActionTime(last, receivedAt) ?? receivedAt;
}

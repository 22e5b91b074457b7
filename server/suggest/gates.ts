/**
 * Interruption control (ARCHITECTURE.md step 4) as pure functions over a persisted record, so the same
 * rules hold after a restart. All times are wall-clock ms from the injected clock.
 *
 *   thinking ──deliver──▶ proactive ──(no interaction for GATE_INTERACTION_TIMEOUT_MS)──▶ thinking
 *      ▲                      │ user accepts / writes                                        ▲
 *      │                      ▼                                                              │
 *      └──(GATE_INTERACTION_TIMEOUT_MS after their last interaction)─── reactive ◀── user writes
 *
 * A delivery starts a cooldown (doubled per consecutive dismissal, ×8 at most). Besides the state, a
 * proactive suggestion waits while the user types, shortly after their own message, past the hourly cap,
 * and never repeats a text recently shown.
 */
import type { GateRecord } from "../../db/gate.repository.js";
import type { FeedbackVerdict } from "../../db/suggestion.repository.js";

export type GateReason = "typing" | "recent_message" | "reactive" | "awaiting_interaction" | "cooldown" | "cap" | "duplicate";

export interface GateConfig {
  interactionTimeoutMs: number;
  cooldownMs: number;
  recentMessageMs: number;
  typingTtlMs: number;
  perHour: number;
}

export interface GateHistory {
  /** Proactive suggestions delivered to the session in the last hour. */
  deliveredLastHour: number;
  /** Whether the candidate's text was shown recently (undefined before a candidate exists). */
  shownRecently?: boolean;
  /**
   * A fresh struggle signal (rage clicks, repeated failed submits) about to replace a shown suggestion that
   * is not itself struggle help: it does not wait behind that suggestion (`awaiting_interaction`, `cooldown`).
   */
  replacesStale?: boolean;
}

export const HOUR_MS = 3_600_000;
const MAX_COOLDOWN_FACTOR = 8;

export function initialGate(sessionRef: number, now: number): GateRecord {
  return { sessionRef, state: "thinking", stateSince: now, cooldownUntil: 0, typingUntil: 0, lastUserMessageAt: 0, dismissals: 0, updatedAt: now };
}

/** The record with time-driven transitions applied: an engagement window that has passed returns to thinking. */
export function settleGate(g: GateRecord, now: number, c: GateConfig): GateRecord {
  if (g.state !== "thinking" && now - g.stateSince >= c.interactionTimeoutMs) return { ...g, state: "thinking", stateSince: g.stateSince + c.interactionTimeoutMs };
  return g;
}

/** Why a proactive suggestion may not be shown now, or null when it may. Checked in this order. */
export function blockingReason(g: GateRecord, now: number, c: GateConfig, history: GateHistory): GateReason | null {
  const gate = settleGate(g, now, c);
  if (gate.typingUntil > now) return "typing";
  if (gate.lastUserMessageAt > 0 && now - gate.lastUserMessageAt < c.recentMessageMs) return "recent_message";
  if (gate.state === "reactive") return "reactive";
  if (gate.state === "proactive" && !history.replacesStale) return "awaiting_interaction";
  if (gate.cooldownUntil > now && !history.replacesStale) return "cooldown";
  if (history.deliveredLastHour >= c.perHour) return "cap";
  if (history.shownRecently) return "duplicate";
  return null;
}

const cooldownFactor = (dismissals: number) => Math.min(2 ** dismissals, MAX_COOLDOWN_FACTOR);

export function afterDelivered(g: GateRecord, now: number, c: GateConfig): GateRecord {
  return { ...g, state: "proactive", stateSince: now, cooldownUntil: now + c.cooldownMs * cooldownFactor(g.dismissals), updatedAt: now };
}

export function afterUserMessage(g: GateRecord, now: number): GateRecord {
  // Sending a message ends the typing.
  return { ...g, state: "reactive", stateSince: now, lastUserMessageAt: now, typingUntil: 0, updatedAt: now };
}

export function afterTyping(g: GateRecord, active: boolean, now: number, c: GateConfig): GateRecord {
  return { ...g, typingUntil: active ? now + c.typingTtlMs : 0, updatedAt: now };
}

/** Accepting engages the user (reactive, dismissals reset); dismissing lengthens the cooldown. */
export function afterFeedback(g: GateRecord, verdict: FeedbackVerdict, now: number, c: GateConfig): GateRecord {
  if (verdict === "accepted") return { ...g, state: "reactive", stateSince: now, dismissals: 0, updatedAt: now };
  const dismissals = g.dismissals + 1;
  return {
    ...g,
    state: "thinking",
    stateSince: now,
    dismissals,
    cooldownUntil: Math.max(g.cooldownUntil, now + c.cooldownMs * cooldownFactor(dismissals)),
    updatedAt: now,
  };
}

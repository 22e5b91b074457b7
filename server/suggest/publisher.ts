/**
 * How a delivered suggestion leaves the engine. The engine never knows about Socket.IO: it calls the
 * publisher it was given (chat's delivery into the session's conversation).
 */
import type { SuggestionSource } from "../../db/suggestion.repository.js";

export interface PublishedSuggestion {
  id: number;
  productId: string;
  /** sessions.id */
  sessionRef: number;
  /** The session id the source gave (PROTOCOL.md `sessionId`). */
  sessionId: string;
  text: string;
  source: SuggestionSource;
  model: string;
  /** What prompted it: `workflow_step`, `rage_click`, `repeated_submit`, `ping_pong`, `dwell`, `activity`. */
  signal: string | null;
  /** Wall-clock ms. */
  createdAt: number;
  /** Window indexes of the actions that led to it (PROTOCOL.md `evidence`). */
  evidence: number[];
  /** Database ids of the same actions. */
  evidenceActionIds: number[];
}

/** May be async; a rejection is logged and the suggestion marked `publish_failed`. */
export type Publisher = (suggestion: PublishedSuggestion) => void | Promise<void>;

/** A shown suggestion that no longer applies (the user did what it suggested before acting on it). */
export interface RetractedSuggestion {
  id: number;
  productId: string;
  sessionRef: number;
  sessionId: string;
  /** `step_done`: the workflow step it pointed at has been done. */
  reason: string;
}

export type Retractor = (retraction: RetractedSuggestion) => void;

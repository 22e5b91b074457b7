/**
 * How a delivered suggestion leaves the engine. The engine never knows about Socket.IO: it calls the
 * publisher it was given (chat's delivery into the session's conversation).
 */
import type { SuggestionSource } from "../../db/suggestion.repository.js";
import type { Logger } from "../logger.js";
import type { Transaction } from "../../db/store.js";

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

/** Hears a delivered suggestion once it is committed. May be async; a rejection is logged. */
export type Publisher = (suggestion: PublishedSuggestion) => void | Promise<void>;

/**
 * Delivers a suggestion inside the evaluation's transaction — stores what delivery needs (the conversation,
 * the message) — and returns the announcement to make once that transaction has committed. If it throws,
 * what it stored rolls back and the suggestion is marked `publish_failed`.
 */
export type Deliverer = (suggestion: PublishedSuggestion, tx: Transaction) => Promise<(() => void) | void>;

/** A publisher as a deliverer: it stores nothing and hears about the suggestion after the commit. */
export function publishAfterCommit(publish: Publisher, logger: Logger): Deliverer {
  const failed = (err: unknown, id: number) => logger.error({ err, suggestionId: id }, "publishing a suggestion failed");
  return async (s) => () => {
    try {
      void Promise.resolve(publish(s)).catch((err: unknown) => failed(err, s.id));
    } catch (err) {
      failed(err, s.id);
    }
  };
}

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

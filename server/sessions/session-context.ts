/**
 * A session's live context: the recent window of actions not yet folded into a summary, that summary,
 * the inferred goal and counts. The same object feeds the admin endpoint, prompts and the rules model.
 */
import type { StoredAction } from "../../db/action.repository.js";
import type { RepositoryPorts } from "../../db/store.js";
import type { Session } from "../../db/session.repository.js";
import type { StoredSummary } from "../../db/summary.repository.js";
import type { SlimAction } from "../ingest/autoplay.schema.js";
import { toText } from "./actions-text.js";

export interface SessionContext {
  session: Session;
  summary: StoredSummary | null;
  /** Window actions, oldest first, as SlimActions re-indexed from 0 (the indexes prompts and evidence use). */
  window: SlimAction[];
  /** Database ids of the window actions, parallel to `window`. */
  windowActionIds: number[];
  /** When each window action was received (ms), parallel to `window`. */
  windowReceivedAt: number[];
  /** `toText()` of the window. */
  text: string;
  counts: { actions: number; inWindow: number; summarized: number; byType: Record<string, number> };
}

export function toSlimAction(a: StoredAction, index: number, sessionKey: string): SlimAction {
  return {
    index,
    type: a.type,
    title: a.title,
    description: a.description,
    canonical_url: a.canonicalUrl,
    raw_url: a.rawUrl,
    timestamp_start: a.timestampStart,
    timestamp_end: a.timestampEnd,
    session_id: sessionKey,
    user_id: a.userId,
    email: a.email,
    conversation_id: a.conversationId,
  };
}

export async function loadSessionContext(
  repos: RepositoryPorts,
  productId: string,
  sessionKey: string,
  windowSize: number,
): Promise<SessionContext | undefined> {
  const session = await repos.sessions.findByKey(productId, sessionKey);
  return session && (await buildContext(repos, session, windowSize));
}

/** The part of a context the suggestion engine reads on every evaluation: no counts, so no full-session scans. */
export type SessionWindow = Pick<SessionContext, "session" | "summary" | "window" | "windowActionIds" | "windowReceivedAt">;

export async function loadSessionWindowByRef(repos: RepositoryPorts, sessionRef: number, windowSize: number): Promise<SessionWindow | undefined> {
  const session = await repos.sessions.findById(sessionRef);
  return session && (await buildWindow(repos, session, windowSize));
}

/** The window of a session already at hand (no second read of its row). */
export async function buildWindow(repos: RepositoryPorts, session: Session, windowSize: number): Promise<SessionWindow> {
  const summary = await repos.summaries.latest(session.id) ?? null;
  return windowOf(session, summary, await repos.actions.latest(session.id, summary?.coversThroughActionId ?? 0, windowSize));
}

/** A window from rows already read: the session's newest unsummarised actions, oldest first. */
export function windowOf(session: Session, summary: StoredSummary | null, stored: readonly StoredAction[]): SessionWindow {
  return {
    session,
    summary,
    window: stored.map((a, i) => toSlimAction(a, i, session.sessionKey)),
    windowActionIds: stored.map((a) => a.id),
    windowReceivedAt: stored.map((a) => a.receivedAt),
  };
}

async function buildContext(repos: RepositoryPorts, session: Session, windowSize: number): Promise<SessionContext> {
  const { summary, window, windowActionIds, windowReceivedAt } = await buildWindow(repos, session, windowSize);
  const coveredThrough = summary?.coversThroughActionId ?? 0;
  const unsummarized = await repos.actions.countAfter(session.id, coveredThrough);
  return {
    session,
    summary,
    window,
    windowActionIds,
    windowReceivedAt,
    text: toText({ session_id: session.sessionKey, actions: window }),
    counts: {
      actions: session.actionCount,
      inWindow: window.length,
      summarized: session.actionCount - unsummarized,
      byType: await repos.actions.countByType(session.id),
    },
  };
}

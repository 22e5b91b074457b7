/**
 * Live sessions for the admin page: the product's most recently active sessions with their goal, where the
 * user is now (the last action), and the context text the copilot works from. Each session costs a few
 * indexed reads (its summary, its window, its last action, its conversation link) — no full-session counts,
 * so a page that refreshes every few seconds stays cheap.
 */
import type { Repositories } from "../../db/repositories.js";
import type { AdminCurrentPage, AdminSession, AdminSessionsResponse } from "../contracts/admin.js";
import { toText } from "../sessions/actions-text.js";
import { buildWindow, type SessionWindow } from "../sessions/session-context.js";
import type { SessionsQuery } from "./admin-queries.schema.js";

const iso = (ms: number) => new Date(ms).toISOString();

/** The last action: in the window, or — when a pushed summary covers every action — the last one stored. */
function currentPage(repos: Repositories, sessionRef: number, w: SessionWindow): AdminCurrentPage | null {
  const inWindow = w.window.at(-1);
  if (inWindow) return { url: inWindow.canonical_url, title: inWindow.title, type: inWindow.type, at: iso(w.windowReceivedAt.at(-1)!) };
  const stored = repos.actions.latest(sessionRef, 0, 1)[0];
  return stored ? { url: stored.canonicalUrl, title: stored.title, type: stored.type, at: iso(stored.receivedAt) } : null;
}

export function listLiveSessions(
  deps: { repos: Repositories; windowSize: number },
  productId: string,
  query: SessionsQuery,
  now: number,
): AdminSessionsResponse {
  const { repos } = deps;
  const sessions = repos.sessions.recentlyActive(productId, now - query.active_within_ms, query.limit);
  return {
    product_id: productId,
    now: iso(now),
    active_within_ms: query.active_within_ms,
    sessions: sessions.map((session): AdminSession => {
      const w = buildWindow(repos, session, deps.windowSize);
      return {
        session_id: session.sessionKey,
        user_id: session.userId,
        goal: session.goal,
        goal_source: session.goalSource,
        first_seen_at: iso(session.firstSeenAt),
        last_seen_at: iso(session.lastSeenAt),
        action_count: session.actionCount,
        current_page: currentPage(repos, session.id, w),
        text: toText({ session_id: session.sessionKey, actions: w.window }),
        summary: w.summary?.text ?? null,
        conversation_id: repos.conversations.linkOf(session.id)?.conversationId ?? null,
      };
    }),
  };
}

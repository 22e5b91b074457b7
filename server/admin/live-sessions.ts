/**
 * Live sessions for the admin page: the product's most recently active sessions with their goal, where the
 * user is now (the last action), and the context text the copilot works from. Each session costs a few
 * indexed reads (its summary, the few columns of its window, its conversation link) — no full-session
 * counts — so a page that refreshes every few seconds stays cheap.
 */
import type { RepositoryPorts } from "../../db/store.js";
import type { AdminCurrentPage, AdminSession, AdminSessionsResponse } from "../contracts/admin.js";
import { toText } from "../sessions/actions-text.js";
import type { SessionsQuery } from "./admin-queries.schema.js";

const iso = (ms: number) => new Date(ms).toISOString();

type TextAction = Awaited<ReturnType<RepositoryPorts["actions"]["latestText"]>>[number];

function currentPage(a: TextAction | undefined): AdminCurrentPage | null {
  return a ? { url: a.canonicalUrl, title: a.title, type: a.type, at: iso(a.receivedAt) } : null;
}

export async function listLiveSessions(
  deps: { repos: RepositoryPorts; windowSize: number },
  productId: string,
  query: SessionsQuery,
  now: number,
): Promise<AdminSessionsResponse> {
  const { repos } = deps;
  const sessions = await repos.sessions.recentlyActive(productId, now - query.active_within_ms, query.limit);
  return {
    product_id: productId,
    now: iso(now),
    active_within_ms: query.active_within_ms,
    sessions: await Promise.all(sessions.map(async (session): Promise<AdminSession> => {
      // The window as the context endpoint builds it: the latest actions after what the summary covers.
      const summary = await repos.summaries.latest(session.id);
      const window = await repos.actions.latestText(session.id, summary?.coversThroughActionId ?? 0, deps.windowSize);
      const actions = window.map((a, index) => ({ index, type: a.type, description: a.description, canonical_url: a.canonicalUrl }));
      return {
        session_id: session.sessionKey,
        user_id: session.userId,
        owner_id: session.ownerId,
        goal: session.goal,
        goal_source: session.goalSource,
        first_seen_at: iso(session.firstSeenAt),
        last_seen_at: iso(session.lastSeenAt),
        action_count: session.actionCount,
        // When a pushed summary covers every action the window is empty; the last action is still the page.
        current_page: currentPage(window.at(-1) ?? (await repos.actions.latestText(session.id, 0, 1))[0]),
        text: toText({ session_id: session.sessionKey, actions }),
        summary: summary?.text ?? null,
        conversation_id: (await repos.conversations.linkOf(session.id))?.conversationId ?? null,
      };
    })),
  };
}

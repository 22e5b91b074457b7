/**
 * Whose memory a session feeds: the ONE place that answers "who is this session's user?" for memory,
 * triggers and holdout. A verified user when there is one — a verified widget handshake (user_sessions),
 * or a trusted server-side source (push webhook, connector, PostHog) that named the user — else the
 * session alone. `sessions.user_id` is not used: the public capture endpoint can set it.
 */
import type { Repositories } from "../../db/repositories.js";
import type { Session } from "../../db/session.repository.js";

export type MemoryScope = { kind: "user"; id: string } | { kind: "session"; id: string };

export function memoryScopeOf(repos: Repositories, session: Pick<Session, "id" | "sessionKey">): MemoryScope {
  const userId = repos.attempts.verifiedUserOf(session.id);
  return userId ? { kind: "user", id: userId } : { kind: "session", id: session.sessionKey };
}

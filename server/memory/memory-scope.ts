/**
 * Whose memory a session feeds: the ONE place that answers "who is this session's user?" for memory,
 * triggers and holdout. Its owner (PROTOCOL.md §3.3) — set only by a verified widget handshake, capture with a
 * valid userHash, or a trusted server-side source, and never rewritten — else the session alone. A locked
 * session (owner '': two users claimed it before ownership existed) belongs to nobody's memory.
 */
import type { Session } from "../../db/session.repository.js";

export type MemoryScope = { kind: "user"; id: string } | { kind: "session"; id: string };

export function memoryScopeOf(session: Pick<Session, "sessionKey" | "ownerId">): MemoryScope {
  return session.ownerId ? { kind: "user", id: session.ownerId } : { kind: "session", id: session.sessionKey };
}

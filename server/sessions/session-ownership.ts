/**
 * Who a session belongs to (PROTOCOL.md §3.3). An owner comes only from a verified widget handshake, capture
 * with a valid userHash, or a trusted server-side source (push webhook, connector stream, an identified
 * PostHog person); it is set once and never rewritten, and a different user is refused rather than merged.
 * Owning a session puts it in that user's session index (chat look-back, binding of verified widgets).
 */
import type { RepositoryPorts } from "../../db/store.js";
import { AppError } from "../errors.js";
import type { IngestSource } from "../ingest/ingest-event.js";

/** A source named a user for a session that belongs to another one. */
export class OwnerConflictError extends AppError {
  constructor(sessionId: string) {
    super(
      "session_owner_conflict",
      `session ${JSON.stringify(sessionId.slice(0, 256))} belongs to another user; a session's user never changes — send this user's actions under a new session id`,
      409,
    );
  }
}

/** Sources whose `user_id` is trusted: they authenticate with the product's server-side secrets. */
const TRUSTED_SOURCES: ReadonlySet<IngestSource> = new Set(["push", "connector"]);

/**
 * The owner an ingested batch may set: what the edge verified (capture's userHash, PostHog's identified
 * person) when it says so, else the batch's `user_id` for a trusted source, else nobody.
 */
export function ownerForIngest(source: IngestSource, claimedUserId: string | null, verified: string | null | undefined): string | null {
  if (verified !== undefined) return verified;
  return TRUSTED_SOURCES.has(source) ? claimedUserId : null;
}

/**
 * Makes the session `ownerId`'s when it has no owner yet (and indexes it for that user). Throws
 * OwnerConflictError when it belongs to someone else. Call inside the transaction that writes for the owner.
 */
export async function claimSession(repos: RepositoryPorts, input: { productId: string; sessionRef: number; ownerId: string; now: number }): Promise<void> {
  const session = await repos.sessions.findById(input.sessionRef);
  if (!session) throw new Error(`session ${input.sessionRef} does not exist`);
  if (session.ownerId === input.ownerId) return;
  if (session.ownerId !== null || !await repos.sessions.setOwner(session.id, input.ownerId)) throw new OwnerConflictError(session.sessionKey);
  await repos.userSessions.touch(input.productId, input.ownerId, session.id, input.now);
}

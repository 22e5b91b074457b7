/**
 * The `/widget` handshake (PROTOCOL.md §3.2): authenticates — product key, Origin, identity verification
 * (userHash), the shape of a resume request — and asks the session access use case (sessions/) whether and
 * where the widget may join. Every check runs before anything is written, so a refused handshake stores nothing.
 */
import type { RepositoryPorts } from "../../db/store.js";
import { HandshakeAuthSchema, type SocketData } from "../contracts/realtime.js";
import { AppError } from "../errors.js";
import { describeIssues, issuesOf } from "../ingest/parse-event.js";
import { isValidUserHash } from "../products/identity.js";
import { checkOrigin } from "../products/origin-policy.js";
import type { Binding, SessionAccess } from "../sessions/session-access.js";
import { withoutNul } from "../contracts/without-nul.js";
import { parseInput } from "../contracts/parse-input.js";

export class HandshakeError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 401);
  }
}

export interface HandshakeInput {
  auth: unknown;
  origin: string | undefined;
  host: string | undefined;
}

export interface AuthDeps {
  repos: RepositoryPorts;
  access: SessionAccess;
}

/** The socket's data for a binding. */
export function socketDataOf(b: Binding): SocketData {
  return { productId: b.productId, sessionRef: b.sessionRef, sessionId: b.sessionKey, userId: b.userId, reason: b.reason, follows: b.follows };
}

/**
 * Throws HandshakeError (or the access use case's AccessDeniedError) with a clear message; returns the
 * widget's binding when it may connect.
 */
export async function authenticateWidget(deps: AuthDeps, input: HandshakeInput): Promise<Binding> {
  const parsed = parseInput(HandshakeAuthSchema, withoutNul(input.auth ?? {}));
  if (!parsed.success) throw new HandshakeError("invalid_auth", `handshake auth: ${describeIssues(issuesOf(parsed.error))}`);
  const auth = parsed.data;

  const product = await deps.repos.products.findByProductKey(auth.productKey);
  if (!product) {
    throw new HandshakeError("invalid_product_key", "unknown productKey: copy PRODUCT_KEY (npm run credentials shows it) into the widget's data-product-key");
  }

  const origin = checkOrigin(product.allowedOrigins, input.origin, input.host);
  if (!origin.ok) throw new HandshakeError("origin_not_allowed", origin.reason);

  let verifiedUserId: string | null = null;
  if (auth.userHash !== undefined && auth.userId === undefined) {
    throw new HandshakeError("invalid_auth", "userHash was sent without userId");
  }
  // A product without an identity secret cannot verify anyone: its userIds are ignored (anonymous widgets).
  if (auth.userId !== undefined && product.identitySecret) {
    if (auth.userHash === undefined) {
      throw new HandshakeError("identity_required", "this product verifies identities: userId needs its userHash (hex HMAC-SHA256 of the userId with the identity secret)");
    }
    if (!isValidUserHash(product.identitySecret, auth.userId, auth.userHash)) {
      throw new HandshakeError("invalid_user_hash", "userHash does not match userId");
    }
    verifiedUserId = auth.userId;
  }

  if ((auth.conversationId === undefined) !== (auth.conversationToken === undefined)) {
    throw new HandshakeError("invalid_auth", "resuming needs both conversationId and conversationToken");
  }
  const resume = auth.conversationId !== undefined && auth.conversationToken !== undefined ? { conversationId: auth.conversationId, token: auth.conversationToken } : undefined;

  return deps.access.join({ productId: product.id, userId: verifiedUserId, sessionKey: auth.sessionId, resume });
}

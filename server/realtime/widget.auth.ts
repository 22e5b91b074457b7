/**
 * The `/widget` handshake (PROTOCOL.md §3.2): product key, Origin, identity verification (userHash), and
 * conversation resume (conversationToken). Every check runs before anything is written, so a refused
 * handshake stores nothing.
 */
import crypto from "node:crypto";
import type { Repositories } from "../../db/repositories.js";
import type { Clock } from "../clock.js";
import { HandshakeAuthSchema, type SocketData } from "../contracts/realtime.js";
import { AppError } from "../errors.js";
import { describeIssues, issuesOf } from "../ingest/parse-event.js";
import { checkOrigin } from "../products/origin-policy.js";
import type { ConversationMapping } from "../sessions/conversation-mapping.js";

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
  repos: Repositories;
  mapping: ConversationMapping;
  clock: Clock;
}

function userHashMatches(secret: string, userId: string, presented: string): boolean {
  const expected = crypto.createHmac("sha256", secret).update(userId).digest();
  return crypto.timingSafeEqual(expected, Buffer.from(presented, "hex"));
}

/** Throws HandshakeError with a clear message; returns the socket's data when the widget may connect. */
export function authenticateWidget(deps: AuthDeps, input: HandshakeInput): SocketData {
  const { repos, mapping, clock } = deps;
  const parsed = HandshakeAuthSchema.safeParse(input.auth ?? {});
  if (!parsed.success) throw new HandshakeError("invalid_auth", `handshake auth: ${describeIssues(issuesOf(parsed.error))}`);
  const auth = parsed.data;

  const product = repos.products.findByProductKey(auth.productKey);
  if (!product) {
    throw new HandshakeError("invalid_product_key", "unknown productKey: copy PRODUCT_KEY (npm run credentials shows it) into the widget's data-product-key");
  }

  const origin = checkOrigin(product.allowedOrigins, input.origin, input.host);
  if (!origin.ok) throw new HandshakeError("origin_not_allowed", origin.reason);

  let verifiedUserId: string | null = null;
  if (auth.userHash !== undefined && auth.userId === undefined) {
    throw new HandshakeError("invalid_auth", "userHash was sent without userId");
  }
  if (auth.userId !== undefined) {
    if (product.identitySecret) {
      if (auth.userHash === undefined) {
        throw new HandshakeError("identity_required", "this product verifies identities: userId needs its userHash (hex HMAC-SHA256 of the userId with the identity secret)");
      }
      if (!userHashMatches(product.identitySecret, auth.userId, auth.userHash)) {
        throw new HandshakeError("invalid_user_hash", "userHash does not match userId");
      }
      verifiedUserId = auth.userId;
    }
  }

  if ((auth.conversationId === undefined) !== (auth.conversationToken === undefined)) {
    throw new HandshakeError("invalid_auth", "resuming needs both conversationId and conversationToken");
  }
  let resume: string | undefined;
  if (auth.conversationId !== undefined && auth.conversationToken !== undefined) {
    const conversation = mapping.verifyResume(product.id, auth.conversationId, auth.conversationToken);
    if (!conversation) throw new HandshakeError("invalid_conversation_token", "conversationToken is not valid for this conversation");
    if (conversation.userId !== null && conversation.userId !== verifiedUserId) {
      throw new HandshakeError("invalid_conversation_token", "this conversation belongs to another user");
    }
    resume = conversation.id;
  }

  // Every check passed: now record the session, its user and its link.
  const now = clock.now();
  const sessionRef = repos.transaction(() => {
    const ref = repos.sessions.touch({ productId: product.id, sessionKey: auth.sessionId, userId: verifiedUserId, email: null, now });
    if (verifiedUserId) repos.userSessions.touch(product.id, verifiedUserId, ref, now);
    return ref;
  });
  if (!mapping.conversationOf(sessionRef)) {
    const target = resume ?? (verifiedUserId ? repos.conversations.latestForUser(product.id, verifiedUserId)?.id : undefined);
    if (target) mapping.resume(product.id, sessionRef, target);
  }
  const linked = mapping.conversationOf(sessionRef);
  if (linked && verifiedUserId && linked.userId === null) repos.conversations.claimForUser(linked.id, verifiedUserId);

  return { productId: product.id, sessionRef, sessionId: auth.sessionId, userId: verifiedUserId };
}

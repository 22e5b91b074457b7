/**
 * Conversation tokens: proof that a widget may resume a conversation. Bound to the product and the
 * conversation, so a token of another conversation (or another product) is refused.
 */
import crypto from "node:crypto";
import { safeEqual } from "../products/secrets.js";

const VERSION = "v1";

export function issueConversationToken(secret: string, productId: string, conversationId: string): string {
  const mac = crypto.createHmac("sha256", secret).update(`${productId}\n${conversationId}`).digest("base64url");
  return `${VERSION}.${mac}`;
}

export function verifyConversationToken(secret: string, productId: string, conversationId: string, token: string): boolean {
  return safeEqual(token, issueConversationToken(secret, productId, conversationId));
}

/**
 * Identity verification (Intercom/Chatwoot style): `userHash` = hex HMAC-SHA256(identity_secret, userId),
 * computed by the product's server. The one place both the widget handshake and capture check it.
 */
import crypto from "node:crypto";

/** True when `userHash` proves `userId` with the product's identity secret (constant-time); false without a secret. */
export function isValidUserHash(identitySecret: string | null, userId: string, userHash: string): boolean {
  if (!identitySecret || !/^[0-9a-fA-F]{64}$/.test(userHash)) return false;
  const expected = crypto.createHmac("sha256", identitySecret).update(userId).digest();
  return crypto.timingSafeEqual(expected, Buffer.from(userHash, "hex"));
}

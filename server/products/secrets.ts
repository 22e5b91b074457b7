import crypto from "node:crypto";

/** A random credential with a readable prefix, so a leaked value is recognisable (like Stripe's `whsec_`). */
export function generateSecret(prefix: string, bytes = 24): string {
  return `${prefix}_${crypto.randomBytes(bytes).toString("base64url")}`;
}

/** Constant-time equality for two strings of possibly different length. */
export function safeEqual(a: string, b: string): boolean {
  // Hashing first gives equal-length inputs, so neither content nor length leaks through timing.
  const ha = crypto.createHash("sha256").update(a).digest();
  const hb = crypto.createHash("sha256").update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/** How a bearer token is stored: its SHA-256 (hex). Tokens are long and random, so no slow hash is needed. */
export function hashToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

/** Whether `presented` hashes to `storedHash`, compared in constant time. */
export function tokenMatches(presented: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, "hex");
  const actual = crypto.createHash("sha256").update(presented).digest();
  return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
}

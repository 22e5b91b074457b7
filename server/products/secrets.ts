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

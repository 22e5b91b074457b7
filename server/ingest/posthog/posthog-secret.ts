/**
 * Authenticates a PostHog webhook delivery (PROTOCOL.md §2.4). `X-PostHog-Secret` holds either the
 * product's PostHog secret itself (what a destination's static header can send) or
 * `sha256=<hex HMAC-SHA256(secret, raw body)>`. Both comparisons are constant-time.
 */
import crypto from "node:crypto";
import { UnauthorizedError } from "../../errors.js";
import { safeEqual } from "../../products/secrets.js";

const HMAC_FORM = /^sha256=([0-9a-fA-F]{64})$/;

export function verifyPosthogSecret(header: string | undefined, rawBody: Buffer, secret: string): void {
  const value = header?.trim();
  if (!value) {
    throw new UnauthorizedError(
      "missing_secret",
      "missing X-PostHog-Secret: send the product's PostHog secret, or sha256=<hex HMAC-SHA256(secret, body)>",
    );
  }
  let ok = safeEqual(value, secret);
  const hmac = HMAC_FORM.exec(value);
  if (hmac) {
    const expected = crypto.createHmac("sha256", secret).update(rawBody).digest();
    ok = crypto.timingSafeEqual(expected, Buffer.from(hmac[1]!, "hex")) || ok;
  }
  if (!ok) {
    throw new UnauthorizedError(
      "bad_secret",
      "X-PostHog-Secret does not match: send the product's PostHog secret (POSTHOG_SECRET) or sha256=<HMAC of the body with it>",
    );
  }
}

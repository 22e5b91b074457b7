/**
 * Which browser origins may talk to a product (widget handshake, capture). A product with no allowed
 * origins configured accepts only its own server's origin (same-origin), e.g. the bundled demo.
 */
export type OriginVerdict = { ok: true } | { ok: false; reason: string };

export function checkOrigin(allowed: readonly string[], origin: string | undefined, host: string | undefined): OriginVerdict {
  if (!origin) return { ok: false, reason: "the request has no Origin header" };
  if (allowed.includes("*") || allowed.includes(origin)) return { ok: true };
  if (allowed.length === 0 && host) {
    try {
      if (new URL(origin).host === host) return { ok: true };
    } catch {
      return { ok: false, reason: `Origin ${JSON.stringify(origin.slice(0, 200))} is not a valid origin` };
    }
  }
  return {
    ok: false,
    reason: `Origin ${JSON.stringify(origin.slice(0, 200))} is not allowed for this product${allowed.length === 0 ? " (no ALLOWED_ORIGINS configured: same-origin only)" : ""}`,
  };
}

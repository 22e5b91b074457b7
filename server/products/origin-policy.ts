/**
 * Which browser origins may talk to a product (capture events, the widget handshake): the `Origin` must be
 * one of the product's allowed origins (ALLOWED_ORIGINS; `*` allows any). A product with none configured
 * accepts only same-origin requests — the Origin's host equals the request's Host — so a page served by
 * Pilotlight itself (the demo) works out of the box.
 */
export type OriginVerdict = { ok: true } | { ok: false; reason: string };

/** `https://App.Example.com/` → `https://app.example.com`; undefined for anything that is not an http(s) origin. */
export function normaliseOrigin(origin: string): string | undefined {
  if (origin === "null") return undefined;
  try {
    const url = new URL(origin);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

export function originAllowed(origin: string, allowedOrigins: readonly string[], requestHost: string | undefined): boolean {
  const normalised = normaliseOrigin(origin);
  if (!normalised) return false;
  if (allowedOrigins.length === 0) {
    return requestHost !== undefined && new URL(normalised).host === requestHost.trim().toLowerCase();
  }
  return allowedOrigins.includes("*") || allowedOrigins.some((o) => normaliseOrigin(o) === normalised);
}

/** The same decision with a reason a refused client can act on. */
export function checkOrigin(allowedOrigins: readonly string[], origin: string | undefined, requestHost: string | undefined): OriginVerdict {
  if (!origin) return { ok: false, reason: "the request has no Origin header" };
  if (originAllowed(origin, allowedOrigins, requestHost)) return { ok: true };
  const shown = JSON.stringify(origin.slice(0, 200));
  return {
    ok: false,
    reason:
      allowedOrigins.length === 0
        ? `Origin ${shown} is not allowed: this product has no ALLOWED_ORIGINS, so only same-origin pages may connect`
        : `Origin ${shown} is not in this product's allowed origins`,
  };
}

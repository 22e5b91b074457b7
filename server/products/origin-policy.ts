/**
 * Which browser origins may talk to a product (capture events, the widget handshake): the `Origin` must be
 * one of the product's allowed origins (ALLOWED_ORIGINS; `*` allows any). A product with none configured
 * accepts only same-origin requests, so a page served by Pilotlight itself (the demo) works out of the box.
 *
 * "Same origin" is decided against `self`: this server's public origin when PUBLIC_URL is set
 * (`https://pilot.example.com`, scheme and port included), else the Host header the request came with
 * (`127.0.0.1:3000`). A browser cannot forge Host, but any other client can send the Host and Origin it
 * likes — which is why a deployment reachable from the internet should set PUBLIC_URL or ALLOWED_ORIGINS.
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

/** `self` for the same-origin rule: the public origin (PUBLIC_URL) when configured, else the request's Host. */
export const selfOrigin = (publicOrigin: string | undefined, requestHost: string | undefined): string | undefined => publicOrigin ?? requestHost;

function isSelf(normalisedOrigin: string, self: string | undefined): boolean {
  if (self === undefined) return false;
  if (self.includes("://")) return normaliseOrigin(self) === normalisedOrigin;
  return new URL(normalisedOrigin).host === self.trim().toLowerCase();
}

export function originAllowed(origin: string, allowedOrigins: readonly string[], self: string | undefined): boolean {
  const normalised = normaliseOrigin(origin);
  if (!normalised) return false;
  if (allowedOrigins.length === 0) return isSelf(normalised, self);
  return allowedOrigins.includes("*") || allowedOrigins.some((o) => normaliseOrigin(o) === normalised);
}

/** The same decision with a reason a refused client can act on. */
export function checkOrigin(allowedOrigins: readonly string[], origin: string | undefined, self: string | undefined): OriginVerdict {
  if (!origin) return { ok: false, reason: "the request has no Origin header" };
  if (originAllowed(origin, allowedOrigins, self)) return { ok: true };
  const shown = JSON.stringify(origin.slice(0, 200));
  return {
    ok: false,
    reason:
      allowedOrigins.length === 0
        ? `Origin ${shown} is not allowed: this product has no ALLOWED_ORIGINS, so only same-origin pages may connect`
        : `Origin ${shown} is not in this product's allowed origins`,
  };
}

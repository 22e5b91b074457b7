/**
 * Which browser origins may talk to a product (capture events, the widget handshake): Pilotlight's own
 * origin — a page Pilotlight served itself (the demo, /admin) — always; any other origin only when it is
 * one of the product's allowed origins (ALLOWED_ORIGINS; `*` allows any).
 *
 * "Own origin" is decided against `self`: this server's public origin when PUBLIC_URL is set
 * (`https://pilot.example.com`, scheme and port included), else the Host header the request came with
 * (`127.0.0.1:3000`). A browser cannot forge Host, but any other client can send the Host and Origin it
 * likes — which is why a deployment reachable from the internet should set PUBLIC_URL.
 */
export type OriginVerdict = { ok: true } | { ok: false; code: "missing_origin" | "origin_not_allowed"; reason: string };

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

/** `self` for the own-origin rule: the public origin (PUBLIC_URL) when configured, else the request's Host. */
export const selfOrigin = (publicOrigin: string | undefined, requestHost: string | undefined): string | undefined => publicOrigin ?? requestHost;

/** Whether the Origin is the server's own (a page Pilotlight served itself: the demo, /admin). */
export function isOwnOrigin(origin: string, self: string | undefined): boolean {
  const normalised = normaliseOrigin(origin);
  if (normalised === undefined || self === undefined) return false;
  if (self.includes("://")) return normaliseOrigin(self) === normalised;
  return new URL(normalised).host === self.trim().toLowerCase();
}

export function originAllowed(origin: string, allowedOrigins: readonly string[], self: string | undefined): boolean {
  const normalised = normaliseOrigin(origin);
  if (!normalised) return false;
  if (isOwnOrigin(normalised, self)) return true;
  return allowedOrigins.includes("*") || allowedOrigins.some((o) => normaliseOrigin(o) === normalised);
}

/** The same decision with a reason that names the fix, for the refused page's console and the server log. */
export function checkOrigin(allowedOrigins: readonly string[], origin: string | undefined, self: string | undefined): OriginVerdict {
  if (!origin) {
    return { ok: false, code: "missing_origin", reason: "the request has no Origin header: widgets and capture.js run in browsers, which always send it" };
  }
  if (originAllowed(origin, allowedOrigins, self)) return { ok: true };
  const shown = normaliseOrigin(origin) ?? JSON.stringify(origin.slice(0, 200));
  return {
    ok: false,
    code: "origin_not_allowed",
    reason:
      allowedOrigins.length === 0
        ? `origin ${shown} is not allowed: this product has no allowed origins yet, so only pages served by Pilotlight itself may connect; add ${shown} to ALLOWED_ORIGINS (comma-separated) and restart Pilotlight`
        : `origin ${shown} is not allowed: add it to ALLOWED_ORIGINS (now ${allowedOrigins.join(",").slice(0, 300)}) and restart Pilotlight`,
  };
}

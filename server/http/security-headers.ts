/**
 * Security headers (helmet) with a Content-Security-Policy that fits Pilotlight's own pages: the demo page
 * and the admin page load /widget.js and /capture.js from the same origin, talk to Socket.IO on the same
 * origin (polling and websocket — CSP 'self' covers ws:/wss: of the same host), and use no inline scripts.
 *
 * The widget and capture bundles are embedded by customers' products on other origins, so those two files
 * (and their source maps) are served with `Cross-Origin-Resource-Policy: cross-origin`; everything else
 * stays `same-origin`.
 */
import type { RequestHandler } from "express";
import helmet from "helmet";

/** Paths of scripts that other sites embed with <script src>. */
export const EMBEDDABLE_ASSETS: ReadonlySet<string> = new Set(["/widget.js", "/widget.js.map", "/capture.js", "/capture.js.map"]);

export const CONTENT_SECURITY_POLICY = {
  "default-src": ["'self'"],
  "script-src": ["'self'"],
  "script-src-attr": ["'none'"],
  "connect-src": ["'self'"],
  // Widgets commonly set element styles from script; that is not script execution.
  "style-src": ["'self'", "'unsafe-inline'"],
  "img-src": ["'self'", "data:"],
  "font-src": ["'self'", "data:"],
  "object-src": ["'none'"],
  "base-uri": ["'self'"],
  "form-action": ["'self'"],
  "frame-ancestors": ["'self'"],
} as const;

export function securityHeaders(): RequestHandler[] {
  const headers = helmet({
    contentSecurityPolicy: {
      // Not helmet's defaults: they add upgrade-insecure-requests, which breaks plain-HTTP self-hosting.
      useDefaults: false,
      directives: Object.fromEntries(Object.entries(CONTENT_SECURITY_POLICY).map(([k, v]) => [k, [...v]])),
    },
    crossOriginResourcePolicy: false,
  });
  const resourcePolicy: RequestHandler = (req, res, next) => {
    res.setHeader("Cross-Origin-Resource-Policy", EMBEDDABLE_ASSETS.has(req.path) ? "cross-origin" : "same-origin");
    next();
  };
  return [headers, resourcePolicy];
}

/**
 * The headers `securityHeaders()` sets on a response for `path`, worked out once by running the same
 * middleware against a recording response — for the push webhook's fast path, which answers without express.
 */
export function securityHeadersFor(path: string): [string, string][] {
  const headers = new Map<string, string>();
  const res = {
    setHeader: (name: string, value: unknown) => headers.set(name, String(value)),
    removeHeader: (name: string) => headers.delete(name),
    getHeader: (name: string) => headers.get(name),
  };
  const req = { path, method: "POST", headers: {} };
  for (const middleware of securityHeaders()) {
    let failed: unknown;
    (middleware as unknown as (req: unknown, res: unknown, next: (err?: unknown) => void) => void)(req, res, (err) => (failed = err));
    if (failed) throw failed;
  }
  return [...headers];
}

/**
 * Who may send capture events: the browser's `Origin` must be one of the product's allowed origins
 * (ALLOWED_ORIGINS; `*` allows any). A product with none configured accepts only same-origin requests —
 * the Origin's host equals the request's Host — so a page served by Pilotlight itself works out of the box.
 * CORS answers echo the one allowed origin, never `*`.
 */
import type { Response } from "express";

/** `https://App.Example.com/` → `https://app.example.com`; undefined for anything that is not an origin. */
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

/** Headers that let the page at `origin` read the answer (and, for a preflight, send the POST). */
export function allowOrigin(res: Response, origin: string): void {
  res.setHeader("Access-Control-Allow-Origin", origin);
}

export function allowPreflight(res: Response, origin: string, maxAgeS: number): void {
  allowOrigin(res, origin);
  res.setHeader("Access-Control-Allow-Methods", "POST");
  res.setHeader("Access-Control-Allow-Headers", "content-type");
  res.setHeader("Access-Control-Max-Age", String(maxAgeS));
}

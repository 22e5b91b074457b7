/**
 * CORS answers for capture events (who may send them is decided by products/origin-policy.ts). They echo
 * the one allowed origin, never `*`.
 */
import type { Response } from "express";

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

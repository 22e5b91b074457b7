/**
 * Canonical URLs (PROTOCOL.md §1): dynamic path segments become `:id` so the same page reads the same
 * in every session, and the query and hash — which may carry tokens or personal data — are dropped.
 * A full URL keeps its origin; a path stays a path.
 */
import { MAX_URL } from "../autoplay.schema.js";

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/** ULIDs (Crockford base32, 26 characters). */
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/i;
/** Hex of 12+ digits (Mongo ObjectIds, hashes, short git shas are shorter and stay). */
const LONG_HEX = /^[0-9a-f]{12,}$/i;
/** Stripe-like prefixed ids: `cus_NffrFeUfNV2Hib`, `inv_8f3k2j9x`. */
const PREFIXED = /^[a-z]{2,8}_[A-Za-z0-9]{8,}$/;

/** Whether a path segment is an identifier rather than part of the page's name. */
export function isIdSegment(segment: string): boolean {
  if (segment === "") return false;
  if (/^\d+$/.test(segment)) return true;
  if (UUID.test(segment)) return true;
  if (LONG_HEX.test(segment) && /\d/.test(segment)) return true;
  if (ULID.test(segment) && /\d/.test(segment) && /[a-z]/i.test(segment)) return true;
  if (PREFIXED.test(segment) && /\d/.test(segment)) return true;
  // Long opaque tokens: mixed letters and digits, no separators, 20+ characters.
  return segment.length >= 20 && /^[A-Za-z0-9]+$/.test(segment) && /\d/.test(segment) && /[A-Za-z]/.test(segment);
}

interface SplitUrl {
  /** `https://app.example.com` or "" for a path-only URL. */
  origin: string;
  path: string;
}

function split(url: string): SplitUrl {
  const trimmed = url.trim();
  if (/^https?:\/\//i.test(trimmed)) {
    try {
      const parsed = new URL(trimmed);
      return { origin: parsed.origin, path: parsed.pathname };
    } catch {
      // Not parseable as a URL: fall through and treat what follows the scheme as a path.
    }
  }
  const withoutScheme = trimmed.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "");
  const path = withoutScheme.split(/[?#]/, 1)[0] ?? "";
  return { origin: "", path };
}

function normalisePath(path: string, replaceIds: boolean): string {
  const segments = path.split("/").filter((s) => s !== "");
  const out = segments.map((s) => (replaceIds && isIdSegment(safeDecode(s)) ? ":id" : s));
  return `/${out.join("/")}`;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * `https://app.example.com/invoices/42?tab=x#top` → `https://app.example.com/invoices/:id`;
 * `/u/3f2a…-uuid/settings/` → `/u/:id/settings`. Empty or path-less input becomes `/`.
 */
export function canonicalUrl(url: string): string {
  const { origin, path } = split(url);
  return `${origin}${normalisePath(path, true)}`.slice(0, MAX_URL);
}

/** The URL as visited, ids kept, but without the query and hash (they may carry secrets). */
export function rawUrl(url: string): string {
  const { origin, path } = split(url);
  return `${origin}${normalisePath(path, false)}`.slice(0, MAX_URL);
}

/** The path of a URL, ids kept: `https://x.test/a/1?q` → `/a/1`. */
export function pathOf(url: string): string {
  return normalisePath(split(url).path, false);
}

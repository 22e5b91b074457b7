/**
 * Human names for what a user acted on, taken from the actions themselves, so suggestion texts can say
 * "'Export CSV'" and "Settings › Billing" instead of "a button" and "this page".
 */
import type { SlimAction } from "../ingest/autoplay.schema.js";
import { memoByUrl } from "../workflows/memo-by-url.js";
import { urlPath } from "../workflows/url-path.js";

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`);

/** The quoted part of a title ("Click 'Export CSV' button" → "Export CSV"), else the title without its verb. */
export function targetLabel(action: Pick<SlimAction, "title" | "description">): string {
  const source = action.title.trim() || action.description.trim();
  const quoted = /['"‘“«]([^'"’”»]{1,80})['"’”»]/.exec(source);
  if (quoted?.[1]?.trim()) return clip(quoted[1].trim(), 60);
  const bare = source.replace(/^(user\s+)?(clicked|click|submitted|submit|typed in|typed|type in|type|focused|focus)\s+(on\s+)?(the\s+)?/i, "");
  return clip(bare || source || "this", 60);
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A stray '%' (URLs come from senders): shown as written.
    return segment;
  }
}

const humanise = (segment: string) => {
  const words = decoded(segment).replace(/[-_]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const isDynamic = (s: string) => s.startsWith(":") || /^\d+$/.test(s) || /^[0-9a-f-]{16,}$/i.test(s);

/**
 * "/settings/billing" → "Settings › Billing"; "/" → "Home". Dynamic segments (":id", numbers, uuids) are not
 * named, but a page that ends in one is a record, not its list: "/contacts/42" → "a record in Contacts", so
 * a list and its records never read as the same page.
 */
export const pageLabel: (url: string) => string = memoByUrl((url) => {
  let segments: string[];
  try {
    segments = urlPath(url).split("/").filter(Boolean);
  } catch {
    segments = [];
  }
  const named = segments.filter((s) => !isDynamic(s));
  const label = named.length ? clip(named.map(humanise).join(" › "), 60) : "Home";
  const last = segments.at(-1);
  return last !== undefined && isDynamic(last) ? `a record in ${label}` : label;
});

/** For comparing suggestion texts: case, punctuation and spacing do not make a suggestion new. */
export function normaliseText(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** "45 seconds", "3 minutes", "2 hours". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} seconds`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} minutes`;
  return `${Math.round(m / 60)} hours`;
}

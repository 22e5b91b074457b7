import { urlPath } from "../workflows/workflow-progress.js";

const humanise = (segment: string) =>
  decodeURIComponent(segment)
    .replace(/[-_]+/g, " ")
    .replace(/\b\w/g, (c) => c.toUpperCase());

/** A page's human name from its canonical URL: `/settings/team` → "Settings → Team", `/` → "Home". */
export function pageName(canonicalUrl: string): string {
  let segments: string[];
  try {
    segments = urlPath(canonicalUrl).split("/").filter(Boolean);
  } catch {
    return canonicalUrl;
  }
  const named = segments.filter((s) => !s.startsWith(":")).map(humanise);
  if (named.length === 0) return segments.length ? "Detail" : "Home";
  const detail = segments.at(-1)?.startsWith(":") ? " (detail)" : "";
  return named.join(" → ") + detail;
}

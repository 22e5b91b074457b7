/**
 * Places: where in the product an action happened, as a path whose record ids read `:id` — so
 * `/contacts/42` and `/contacts/57` are the same place (a contact record) and `/contacts` is another one
 * (the list). Struggle detection and the attempt tracker compare places, never raw paths.
 */
import { isIdSegment } from "../ingest/raw-events/canonical-url.js";
import { memoByUrl } from "../workflows/memo-by-url.js";
import { urlPath } from "../workflows/url-path.js";

const decode = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/** `https://x.test/contacts/42/edit?tab=1` → `/contacts/:id/edit`; case-insensitive like workflow matching. */
export const placeOf: (url: string) => string = memoByUrl((url) => {
  const segments = urlPath(url)
    .toLowerCase()
    .split("/")
    .filter(Boolean)
    .map((s) => (s.startsWith(":") || isIdSegment(decode(s)) ? ":id" : s));
  return `/${segments.join("/")}`;
});

/**
 * Whether one place is a record of the other, a list: `/contacts` and `/contacts/:id` (or a record's own
 * pages, `/contacts/:id/edit`). People move between a list and its records as a matter of course.
 */
export function isListAndRecord(a: string, b: string): boolean {
  const [list, record] = a.length < b.length ? [a, b] : [b, a];
  const prefix = `${list === "/" ? "" : list}/:id`;
  return record === prefix || record.startsWith(`${prefix}/`);
}

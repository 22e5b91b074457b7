/**
 * NUL characters (U+0000) are removed from every string the server receives, before validation: PostgreSQL
 * TEXT cannot hold one (SQLite can), and no text a product sends means anything by it. Removing (rather than
 * refusing the request) keeps the rest of a payload — one NUL in a PostHog element's text must not lose the
 * batch — and behaves the same on both stores. docs/PROTOCOL.md ("Text") documents it.
 */

/** Whether a JSON text may hold a NUL: in JSON one can only be written as the escape `\u0000`. */
export const jsonMayHoldNul = (raw: Buffer | string): boolean => raw.indexOf("\\u0000") !== -1;

export const stripNul = (s: string): string => (s.includes("\u0000") ? s.replaceAll("\u0000", "") : s);

/** `value` with NUL removed from every string in it, keys included (a copy where anything changed). */
export function withoutNul<T>(value: T): T {
  if (typeof value === "string") return stripNul(value) as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // defineProperty: a key such as "__proto__" stays a plain own key, as JSON.parse made it.
      Object.defineProperty(out, stripNul(k), { value: withoutNul(v), enumerable: true, writable: true, configurable: true });
    }
    return out as T;
  }
  return value;
}

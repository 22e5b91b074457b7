/**
 * Text from users' browsers is untrusted data: control and bidi-override characters go, whitespace
 * collapses, and long text is cut at a word boundary so labels stay readable.
 */

// C0/C1 controls and the Unicode bidi embedding/override/isolate marks (they can reorder displayed text).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Single-line, trimmed, safe text; `undefined` for nothing left. */
export function cleanText(value: string | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = value.replace(UNSAFE, " ").replace(/\s+/g, " ").trim();
  return text === "" ? undefined : text;
}

/** Cuts `text` to at most `max` characters, at a word boundary when one is near, ending with "…". */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = max - 1;
  const cut = text.slice(0, room);
  const space = cut.lastIndexOf(" ");
  // Prefer a word boundary unless it would throw away more than a third of the room.
  const end = space >= room * 0.66 ? space : room;
  return `${cut.slice(0, end).replace(/[\s,;:.-]+$/, "")}…`;
}

/** Whether text carries any letter or digit (an "×" or "→" alone does not name anything). */
export function hasWords(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}

/**
 * Ids and names that frameworks generate (`:r1:`, `ember123`, `mui-4f3a2b`, UUIDs, long hex) say nothing
 * to a person; humanising them would produce noise.
 */
export function looksGenerated(id: string): boolean {
  if (/^:.*:$/.test(id) || /^[:_]/.test(id)) return true;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return true;
  if (/[0-9a-f]{8,}/i.test(id) && /\d/.test(id)) return true;
  const digits = id.replace(/\D/g, "").length;
  if (digits >= 3 && digits / id.length > 0.3) return true;
  if (/^(ember|react|mui|radix|headlessui|yui|ext-gen|j_id)[-_]?\d/i.test(id)) return true;
  return !/[a-z]{2,}/i.test(id);
}

/**
 * `export-csv-btn` → "Export csv", `firstName` → "First name", `user[email]` → "User email".
 * Role words that only describe the element (btn, button, input, field…) are dropped.
 */
export function humanise(id: string): string | undefined {
  if (looksGenerated(id)) return undefined;
  const words = id
    .replace(/([a-z\d])([A-Z])/g, "$1 $2")
    .replace(/[-_.[\]#/:]+/g, " ")
    .toLowerCase()
    .split(" ")
    .filter((w) => w !== "" && !ROLE_WORDS.has(w));
  if (words.length === 0 || !words.some((w) => /[a-z]{2,}/.test(w))) return undefined;
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const ROLE_WORDS = new Set(["btn", "button", "input", "field", "fld", "txt", "link", "lnk", "el", "elem", "ctrl", "cb", "chk", "sel", "dd"]);

/** First letter upper-cased, the rest untouched. */
export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

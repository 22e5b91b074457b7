/**
 * Finds the top-level `product_id` of a JSON body without parsing it, so the push webhook can pick the
 * product (and so the secret its signature is checked with) before it spends a JSON.parse on bytes it has
 * not authenticated. One linear pass over the bytes with a depth counter — no tree, no stack, and strings
 * are only decoded for a key or value that contains escapes — so a hostile body (deeply nested, huge,
 * malformed) costs what reading it costs.
 *
 * On a well-formed body it agrees with JSON.parse followed by `productIdOf` (the last of duplicate keys
 * wins; a key spelled with escapes counts); on a malformed one it may find anything, which is harmless:
 * the body must still carry a valid signature for that product and then parse.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const KEY = Buffer.from("product_id");

export type ScannedProductId =
  /** No usable top-level product_id (absent, null, empty, another type, or the body is not an object). */
  | undefined
  /** The product the body names, as `productIdOf` would read it from the parsed body. */
  | string;

const isSpace = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Index just past the string whose opening quote is at `start`, and whether it holds escapes. */
function stringEnd(raw: Buffer, start: number): { end: number; escaped: boolean } {
  let escaped = false;
  for (let i = start + 1; i < raw.length; i++) {
    const c = raw[i];
    if (c === BACKSLASH) {
      escaped = true;
      i++;
    } else if (c === QUOTE) {
      return { end: i + 1, escaped };
    }
  }
  return { end: raw.length, escaped };
}

function keyIsProductId(raw: Buffer, start: number, end: number, escaped: boolean): boolean {
  if (!escaped) return end - start - 2 === KEY.length && raw.compare(KEY, 0, KEY.length, start + 1, end - 1) === 0;
  try {
    return JSON.parse(raw.toString("utf8", start, end)) === "product_id";
  } catch {
    return false;
  }
}

/** The value starting at `i` read as `productIdOf` would, and the index just past its token. */
function readValue(raw: Buffer, i: number): { value: ScannedProductId; next: number } {
  const c = raw[i];
  if (c === QUOTE) {
    const { end, escaped } = stringEnd(raw, i);
    let text: string | undefined;
    if (!escaped) text = raw.toString("utf8", i + 1, end - 1);
    else {
      try {
        const parsed: unknown = JSON.parse(raw.toString("utf8", i, end));
        text = typeof parsed === "string" ? parsed : undefined;
      } catch {
        text = undefined;
      }
    }
    const trimmed = text?.trim();
    return { value: trimmed ? trimmed : undefined, next: end };
  }
  if (c !== undefined && (c === 0x2d || (c >= 0x30 && c <= 0x39))) {
    let end = i + 1;
    for (; end < raw.length; end++) {
      const d = raw[end]!;
      if (!((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d)) break;
    }
    // JSON.parse reads 1e400 as Infinity, which productIdOf names "Infinity": do the same.
    const n = Number(raw.toString("latin1", i, end));
    return { value: Number.isNaN(n) ? undefined : String(n), next: end };
  }
  // null, true, false, an object or an array: not a product id (the value itself is skipped by the caller).
  return { value: undefined, next: i };
}

export function scanProductId(raw: Buffer): ScannedProductId {
  let i = 0;
  while (isSpace(raw[i])) i++;
  if (raw[i] !== 0x7b) return undefined;
  let depth = 0;
  let found: ScannedProductId;
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === QUOTE) {
      const { end, escaped } = stringEnd(raw, i);
      if (depth === 1) {
        let j = end;
        while (isSpace(raw[j])) j++;
        if (raw[j] === COLON && keyIsProductId(raw, i, end, escaped)) {
          j++;
          while (isSpace(raw[j])) j++;
          const { value, next } = readValue(raw, j);
          found = value;
          i = next;
          continue;
        }
      }
      i = end;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      // The top-level object has closed: anything after it makes the body invalid JSON anyway.
      if (depth === 0) break;
    }
    i++;
  }
  return found;
}

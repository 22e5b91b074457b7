/**
 * A product's public key (PRODUCT_KEY): what capture.js and the widget present. Its shape is checked before
 * anything else is done with it — before a database lookup, before any per-key state, before parsing the
 * request body it came in.
 */

export const PRODUCT_KEY_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;
export const PRODUCT_KEY_RULE = "8–128 letters, digits, '_' or '-'";

export const isProductKeyShaped = (value: string): boolean => PRODUCT_KEY_PATTERN.test(value);

const NAME = Buffer.from('"product_key"');
const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
/** Longer than any valid key, so a value is read to its end or rejected. */
const MAX_VALUE_BYTES = 130;

export type BodyKey = { kind: "found"; value: string } | { kind: "missing" } | { kind: "not_plain" };

/**
 * The `product_key` a JSON body names, read from the raw bytes without parsing them: the value of the first
 * `"product_key"` that is an object key. `not_plain` when that value is not a short string without escapes
 * (no valid key needs any). The caller still compares it with the parsed body once it has authenticated.
 */
export function productKeyInBody(raw: Buffer): BodyKey {
  for (let at = raw.indexOf(NAME); at >= 0; at = raw.indexOf(NAME, at + NAME.length)) {
    let i = at + NAME.length;
    while (SPACE.has(raw[i]!)) i++;
    // Not followed by ':' — the text "product_key" as a value, not a key.
    if (raw[i] !== 0x3a) continue;
    i++;
    while (SPACE.has(raw[i]!)) i++;
    if (raw[i] !== 0x22) return { kind: "not_plain" };
    const end = raw.indexOf(0x22, i + 1);
    if (end < 0 || end - i - 1 > MAX_VALUE_BYTES) return { kind: "not_plain" };
    const value = raw.toString("latin1", i + 1, end);
    return value.includes("\\") ? { kind: "not_plain" } : { kind: "found", value };
  }
  return { kind: "missing" };
}

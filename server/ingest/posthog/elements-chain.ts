/**
 * Parser for PostHog's `elements_chain`: the clicked element first, then its ancestors, joined by `;`.
 * Each element is `tag.class1.class2:key="value"key2="value2"…` — attributes follow one another without
 * a separator, and a `"` inside a value is escaped as `\"`. Keys are `text`, `href`, `attr_id`,
 * `nth-child`, `nth-of-type` and `attr__<html attribute>` (`attr__aria-label`, `attr__type`…).
 *
 * PostHog escapes quotes but not backslashes, so a value ending in `\` is written `…\"`; that is read as
 * a closing quote when what follows can only be the next attribute or the next element.
 */

export interface ChainElement {
  /** Lower-cased tag name ("" when the chain did not give one). */
  tag: string;
  classes: string[];
  text: string | undefined;
  href: string | undefined;
  /** The element's id (`attr_id`, or `attr__id`). */
  id: string | undefined;
  nthChild: number | undefined;
  nthOfType: number | undefined;
  /** Every key as written, `attr__*` included. */
  attributes: Record<string, string>;
}

/** Characters of an attribute key (`attr__aria-label`, `nth-child`…), `:` included: [A-Za-z0-9_:-]. */
function isKeyChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 58) || code === 95 || code === 45;
}
const KEY = /([^=";]*)="/y;
/** What may follow a closing quote: the next attribute. */
const NEXT_KEY = /[A-Za-z0-9_:-]+="/y;

const MAX_ELEMENTS = 100;

/** The index of the first character at or after `start` that cannot be part of a key. */
function endOfKeyRun(text: string, start: number): number {
  let i = start;
  while (i < text.length && isKeyChar(text.charCodeAt(i))) i++;
  return i;
}

function at(re: RegExp, text: string, index: number): RegExpExecArray | null {
  re.lastIndex = index;
  return re.exec(text);
}

/** Reads a quoted value starting after its opening quote; returns the value and the index after the closing quote. */
function readValue(chain: string, start: number): [string, number] {
  let value = "";
  let i = start;
  while (i < chain.length) {
    const c = chain[i]!;
    if (c === "\\" && chain[i + 1] === '"') {
      const after = i + 2;
      const closes = after >= chain.length || chain[after] === ";" || at(NEXT_KEY, chain, after) !== null;
      if (closes) return [value + "\\", after];
      value += '"';
      i += 2;
      continue;
    }
    if (c === '"') return [value, i + 1];
    value += c;
    i++;
  }
  // Unterminated: keep what there is rather than lose the element.
  return [value, i];
}

function toElement(head: string, attributes: Record<string, string>): ChainElement {
  const [tag = "", ...classes] = head.split(".");
  const number = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  return {
    tag: tag.trim().toLowerCase(),
    classes: classes.filter((c) => c !== ""),
    text: attributes.text,
    href: attributes.href ?? attributes.attr__href,
    id: attributes.attr__id ?? attributes.attr_id,
    nthChild: number(attributes["nth-child"]),
    nthOfType: number(attributes["nth-of-type"]),
    attributes,
  };
}

export function parseElementsChain(chain: string | null | undefined, maxElements = MAX_ELEMENTS): ChainElement[] {
  const elements: ChainElement[] = [];
  if (!chain) return elements;
  let i = 0;
  while (i < chain.length && elements.length < maxElements) {
    // Tag and classes run to the `:` that opens the attributes (`:` then `key="`), or to the end of the
    // element. A `:` opens them when the run of key characters after it ends in `="`; every `:` inside one
    // run shares that run's end, so each run is scanned once (a chain of 100 000 colons stays linear).
    let j = i;
    let runEnd = -1;
    while (j < chain.length && chain[j] !== ";") {
      if (chain[j] === ":") {
        if (runEnd <= j) runEnd = endOfKeyRun(chain, j + 1);
        if (chain[runEnd] === "=" && chain[runEnd + 1] === '"') break;
      }
      j++;
    }
    // `div.card:` — an element whose attribute list is empty.
    const head = chain.slice(i, j).replace(/:$/, "");
    const attributes: Record<string, string> = {};
    if (chain[j] === ":") {
      j++;
      while (j < chain.length && chain[j] !== ";") {
        const key = at(KEY, chain, j);
        if (!key) {
          // Not `key="…"`: skip the rest of this element rather than misread it.
          while (j < chain.length && chain[j] !== ";") j++;
          break;
        }
        const [value, next] = readValue(chain, KEY.lastIndex);
        if (key[1] !== "" && !(key[1]! in attributes)) attributes[key[1]!] = value;
        j = next;
      }
    }
    if (head.trim() !== "" || Object.keys(attributes).length > 0) elements.push(toElement(head, attributes));
    i = j + 1;
  }
  return elements;
}

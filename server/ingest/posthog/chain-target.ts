/**
 * Turns a parsed `elements_chain` into the same raw target capture.js sends, so PostHog events run
 * through the same labelling. Like capture.js, it lands on the interactive element the user meant:
 * svg parts of an icon are dropped (a click on the icon is a click on its button), and a click on a
 * span inside a link counts as a click on the link, named by the span's text when the link has none.
 */
import { MAX_URL } from "../autoplay.schema.js";
import { MAX_TARGET_FIELD, MAX_TARGET_TEXT, type RawTarget } from "../raw-events/raw-event.schema.js";
import type { ChainElement } from "./elements-chain.js";

const SVG_PARTS = new Set([
  "svg", "path", "g", "use", "circle", "rect", "line", "polyline", "polygon", "ellipse", "symbol", "defs",
  "title", "desc", "mask", "clippath", "lineargradient", "radialgradient", "stop", "text", "tspan",
]);

const INTERACTIVE_TAGS = new Set(["a", "button", "input", "select", "textarea", "label", "summary", "option"]);
const INTERACTIVE_ROLES = new Set([
  "button", "link", "tab", "menuitem", "menuitemcheckbox", "menuitemradio", "checkbox", "switch", "option", "radio",
]);
const FIELD_TAGS = new Set(["input", "select", "textarea"]);
const BUTTON_INPUT_TYPES = new Set(["submit", "button", "reset"]);

const clip = (value: string | undefined, max: number) => (value === undefined ? undefined : value.slice(0, max));

function isInteractive(el: ChainElement): boolean {
  if (INTERACTIVE_TAGS.has(el.tag)) return true;
  const role = el.attributes.attr__role?.trim().toLowerCase();
  return (role !== undefined && INTERACTIVE_ROLES.has(role)) || el.attributes.attr__onclick !== undefined;
}

/** The element the event is about: the closest interactive one from the target up, else the target. */
export function chooseTarget(chain: readonly ChainElement[]): { element: ChainElement; index: number } | undefined {
  let start = 0;
  while (start < chain.length && SVG_PARTS.has(chain[start]!.tag)) start++;
  if (start === chain.length) start = 0;
  for (let i = start; i < chain.length; i++) if (isInteractive(chain[i]!)) return { element: chain[i]!, index: i };
  return chain[start] ? { element: chain[start]!, index: start } : undefined;
}

function textOf(chain: readonly ChainElement[], index: number): string | undefined {
  const el = chain[index]!;
  if (FIELD_TAGS.has(el.tag)) {
    // A field's text is never its value; only a button-like input's value is its caption.
    const type = el.attributes.attr__type?.toLowerCase();
    return el.tag === "input" && type && BUTTON_INPUT_TYPES.has(type) ? el.attributes.attr__value : undefined;
  }
  if (el.text) return el.text;
  // PostHog records each element's own text: a button's words often sit on a span inside it.
  for (let i = index - 1; i >= 0; i--) if (chain[i]!.text) return chain[i]!.text;
  return undefined;
}

function labelOf(chain: readonly ChainElement[], index: number): string | undefined {
  const el = chain[index]!;
  if (!FIELD_TAGS.has(el.tag)) return undefined;
  // A field inside its <label> carries the label's text on that ancestor.
  return chain.slice(index + 1).find((a) => a.tag === "label" && a.text)?.text;
}

function formOf(chain: readonly ChainElement[], index: number): string | undefined {
  const form = chain.slice(index + 1).find((a) => a.tag === "form");
  return form && (form.attributes["attr__aria-label"] ?? form.attributes.attr__name ?? form.id);
}

/**
 * The raw target for a chain. `elText` (PostHog's `$el_text`) stands in only when there is no chain at
 * all: with a chain, the chain's own text (or its absence, for elements PostHog deems sensitive) wins.
 */
export function chainToTarget(chain: readonly ChainElement[], elText?: string): RawTarget | undefined {
  const chosen = chooseTarget(chain);
  if (!chosen) return elText ? { tag: "element", text: elText.slice(0, MAX_TARGET_TEXT) } : undefined;
  const { element: el, index } = chosen;
  const a = el.attributes;
  return {
    tag: (el.tag || "element").slice(0, 64),
    text: clip(textOf(chain, index), MAX_TARGET_TEXT),
    id: clip(el.id, MAX_TARGET_FIELD),
    name: clip(a.attr__name, MAX_TARGET_FIELD),
    role: clip(a.attr__role, 64),
    aria_label: clip(a["attr__aria-label"], MAX_TARGET_FIELD),
    href: clip(el.href, MAX_URL),
    input_type: clip(a.attr__type, 64),
    label: clip(labelOf(chain, index), MAX_TARGET_FIELD),
    form: clip(formOf(chain, index), MAX_TARGET_FIELD),
    title: clip(a.attr__title, MAX_TARGET_FIELD),
    placeholder: clip(a.attr__placeholder, MAX_TARGET_FIELD),
    submitter: undefined,
  };
}

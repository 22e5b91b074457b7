/**
 * The human name of an element, by a fallback chain that mirrors how people (and screen readers) name
 * controls: visible text, then aria-label, the field's label, name, title, a humanised id, the link's path.
 * Text without a letter or digit ("×", "→") names nothing and is skipped.
 */
import { pathPageName } from "./page-name.js";
import { pathOf } from "./canonical-url.js";
import { cleanText, hasWords, humanise, truncate } from "./clean-text.js";
import { isTextNamed, type ElementKind } from "./element-kind.js";
import type { RawTarget } from "./raw-event.schema.js";

export const MAX_NAME = 80;

/** Placeholders that show an example value ("you@example.com", "e.g. 42") rather than name the field. */
function isExamplePlaceholder(text: string): boolean {
  return /@|^(e\.?g\.?|ex:|example)/i.test(text) || !/[\p{L}]{2,}/u.test(text);
}

const human = (v: string | undefined) => {
  const t = cleanText(v);
  return t && hasWords(t) ? t : undefined;
};
const humanAttr = (v: string | undefined) => {
  const t = cleanText(v);
  return t ? humanise(t) : undefined;
};
const placeholder = (v: string | undefined) => {
  const t = human(v);
  return t && !isExamplePlaceholder(t) ? t : undefined;
};
/** A link's destination as a name: `/settings/billing` → "Billing settings". */
const hrefName = (href: string | undefined) => {
  const t = cleanText(href);
  if (!t || /^(javascript|mailto|tel):/i.test(t) || t.startsWith("#")) return undefined;
  return pathPageName(t) ?? (pathOf(t) === "/" ? "Home" : undefined);
};

/** The element's name, or undefined when nothing about it reads as one. */
export function elementName(target: RawTarget, kind: ElementKind): string | undefined {
  const chain: (string | undefined)[] =
    kind === "form"
      ? [human(target.aria_label), humanAttr(target.name), humanAttr(target.id), human(target.title), human(target.submitter)]
      : isTextNamed(kind)
        ? [
            human(target.text),
            human(target.aria_label),
            human(target.label),
            humanAttr(target.name),
            human(target.title),
            humanAttr(target.id),
            hrefName(target.href),
          ]
        : [
            human(target.label),
            human(target.aria_label),
            placeholder(target.placeholder),
            human(target.title),
            humanAttr(target.name),
            humanAttr(target.id),
          ];
  let name = chain.find((n) => n !== undefined);
  // Labels say "the X form"; "Invite form" (from id="invite-form") would read "the Invite form form".
  if (name && kind === "form") name = name.replace(/\s+form$/i, "") || name;
  return name && truncate(name, MAX_NAME);
}

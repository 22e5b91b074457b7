/**
 * Extraction: a raw browser event becomes a typed action with what labelling needs — the action type
 * (`change` becomes `type`), canonical and raw URLs, the page's name, and the element's kind and name.
 */
import type { KNOWN_ACTION_TYPES } from "../autoplay.schema.js";
import { canonicalUrl, pathOf, rawUrl } from "./canonical-url.js";
import { cleanText, hasWords, humanise, truncate } from "./clean-text.js";
import { elementKind, type ElementKind } from "./element-kind.js";
import { elementName, MAX_NAME } from "./element-name.js";
import { pageName } from "./page-name.js";
import type { RawEvent, RawEventType, RawTarget } from "./raw-event.schema.js";

/** The protocol's action types, plus `invalid`: a field a form's validation rejected (kept as given downstream). */
export type ActionType = (typeof KNOWN_ACTION_TYPES)[number] | "invalid";

export const ACTION_TYPE_OF: Record<RawEventType, ActionType> = {
  pageview: "pageview",
  click: "click",
  submit: "submit",
  change: "type",
  focus: "focus",
  blur: "blur",
  invalid: "invalid",
};

export interface ExtractedElement {
  kind: ElementKind;
  name: string | undefined;
  inputType: string | undefined;
  /** Where a link leads: a canonical path, or the host of another site. */
  destination: string | undefined;
  /** The enclosing form's name (not for the form itself). */
  form: string | undefined;
  /** For a submit: the text of the button that submitted the form. */
  submitter: string | undefined;
}

export interface ExtractedAction {
  type: ActionType;
  /** Float Unix seconds (the dedupe identity of the action). */
  timestamp: number;
  canonicalUrl: string;
  rawUrl: string;
  page: string;
  rage: boolean;
  element: ExtractedElement | undefined;
  /** For `invalid`: the validation message (cleaned), if the browser gave one. */
  validationMessage: string | undefined;
}

/** A form's name as given by capture.js (name, id or aria-label): human text stays, an id is humanised. */
function formName(value: string | undefined): string | undefined {
  const text = cleanText(value);
  if (!text) return undefined;
  const name = /\s/.test(text) ? text : humanise(text);
  return name && truncate(name.replace(/\s+form$/i, "") || name, MAX_NAME);
}

function destination(href: string | undefined, pageUrl: string): string | undefined {
  const text = cleanText(href);
  if (!text || /^(javascript|mailto|tel|data):/i.test(text) || text.startsWith("#")) return undefined;
  const base = /^https?:\/\//i.test(pageUrl) ? pageUrl : "http://page.invalid/";
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    return undefined;
  }
  if (url.origin !== new URL(base).origin) return url.host;
  return canonicalUrl(pathOf(url.pathname));
}

function extractElement(target: RawTarget, type: ActionType, pageUrl: string): ExtractedElement {
  // A submit names the form, even when a source reports it on the submit button.
  const onForm = type === "submit" && target.tag.toLowerCase() !== "form";
  const subject: RawTarget = onForm
    ? { tag: "form", aria_label: formName(target.form), submitter: target.submitter ?? target.text }
    : target;
  const kind: ElementKind = type === "submit" ? "form" : elementKind(subject);
  const submitter = cleanText(subject.submitter);
  return {
    kind,
    name: elementName(subject, kind),
    inputType: cleanText(target.input_type)?.toLowerCase(),
    destination: kind === "link" || target.tag.toLowerCase() === "a" ? destination(target.href, pageUrl) : undefined,
    form: kind === "form" ? undefined : formName(target.form),
    submitter: submitter && hasWords(submitter) ? truncate(submitter, MAX_NAME) : undefined,
  };
}

export function extractAction(event: RawEvent): ExtractedAction {
  const type = ACTION_TYPE_OF[event.type];
  return {
    type,
    timestamp: event.ts / 1000,
    canonicalUrl: canonicalUrl(event.url),
    rawUrl: rawUrl(event.url),
    page: pageName(event.url, event.title),
    rage: event.rage === true && type === "click",
    element: event.target && type !== "pageview" ? extractElement(event.target, type, event.url) : undefined,
    validationMessage: type === "invalid" ? truncate(cleanText(event.message) ?? "", 200) || undefined : undefined,
  };
}

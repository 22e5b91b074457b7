/**
 * Labelling: an extracted action gets a short `title` ("Click 'Export CSV' button"), a one-sentence
 * `description` ("User clicked the Export CSV button on the Reports page") and an inferred intent.
 * Titles read like the Autoplay SDK's; descriptions are what `toText()` shows an LLM.
 */
import { MAX_DESCRIPTION, MAX_TITLE } from "../autoplay.schema.js";
import { truncate } from "./clean-text.js";
import { INPUT_TYPE_PHRASE, KIND_NOUN } from "./element-kind.js";
import type { ExtractedAction, ExtractedElement } from "./extract-action.js";
import { inferIntent, type Intent } from "./intent.js";

export interface ActionLabel {
  title: string;
  description: string;
  intent: Intent;
}

const on = (page: string) => `on the ${page} page`;

/** `'Export CSV' button` for a title, or `unnamed button`. */
const quoted = (el: ExtractedElement) => (el.name ? `'${el.name}' ${KIND_NOUN[el.kind]}` : `unnamed ${KIND_NOUN[el.kind]}`);
/** `the Export CSV button` for a description, or `an unnamed button`. */
const spoken = (el: ExtractedElement) => (el.name ? `the ${el.name} ${KIND_NOUN[el.kind]}` : `an unnamed ${KIND_NOUN[el.kind]}`);
/** ` of the Invoice form` when the field sits in a named form. */
const inForm = (el: ExtractedElement) => (el.form && el.form !== el.name ? ` in the ${el.form} form` : "");

function labelClick(a: ExtractedAction, el: ExtractedElement): [string, string] {
  if (a.rage) {
    return [
      `Rage click on ${quoted(el)}`,
      `User clicked ${spoken(el)} many times in quick succession (rage click) ${on(a.page)}`,
    ];
  }
  const to = el.destination ? ` (to ${el.destination})` : "";
  return [`Click ${quoted(el)}`, `User clicked ${spoken(el)}${inForm(el)} ${on(a.page)}${to}`];
}

function labelChange(a: ExtractedAction, el: ExtractedElement): [string, string] {
  const where = `${inForm(el)} ${on(a.page)}`;
  switch (el.kind) {
    case "dropdown":
      return [`Choose from ${quoted(el)}`, `User chose an option from ${spoken(el)}${where}`];
    case "checkbox":
    case "switch":
      // Values are never captured, so "toggled" — not "checked" or "unchecked".
      return [`Toggle ${quoted(el)}`, `User toggled ${spoken(el)}${where}`];
    case "radio":
    case "option":
      return [`Select ${quoted(el)}`, `User selected ${spoken(el)}${where}`];
    case "file":
      return [`Choose a file in ${quoted(el)}`, `User chose a file in ${spoken(el)}${where}`];
    case "slider":
      return [`Adjust ${quoted(el)}`, `User adjusted ${spoken(el)}${where}`];
    default: {
      const what = el.inputType ? INPUT_TYPE_PHRASE[el.inputType] : undefined;
      const verb = what ? `entered ${what} in` : "typed in";
      return [`Type in ${quoted(el)}`, `User ${verb} ${spoken(el)}${where}`];
    }
  }
}

function labelSubmit(a: ExtractedAction, el: ExtractedElement): [string, string] {
  const by = el.submitter && el.submitter !== el.name ? ` with the ${el.submitter} button` : "";
  return [`Submit ${quoted(el)}`, `User submitted ${spoken(el)}${by} ${on(a.page)}`];
}

/** A field the form's validation rejected: the field and the message the user saw, never the value. */
function labelInvalid(a: ExtractedAction, el: ExtractedElement | undefined): [string, string] {
  const said = a.validationMessage ? `: ${a.validationMessage}` : "";
  if (!el) return [`Invalid field${said}`, `A field was rejected by the form's validation ${on(a.page)}${said}`];
  return [`Invalid ${quoted(el)}${said}`, `User's entry in ${spoken(el)}${inForm(el)} was rejected by the form's validation ${on(a.page)}${said}`];
}

function labelElement(a: ExtractedAction, el: ExtractedElement): [string, string] {
  switch (a.type) {
    case "invalid":
      return labelInvalid(a, el);
    case "click":
      return labelClick(a, el);
    case "type":
      return labelChange(a, el);
    case "submit":
      return labelSubmit(a, el);
    case "focus":
      return [`Focus ${quoted(el)}`, `User focused ${spoken(el)}${inForm(el)} ${on(a.page)}`];
    case "blur":
      return [`Leave ${quoted(el)}`, `User left ${spoken(el)}${inForm(el)} ${on(a.page)}`];
    case "pageview":
      return [`Page Load: ${a.page}`, `User landed ${on(a.page)}`];
  }
}

/** What an action without an element says ("a click somewhere on the page"). */
function labelBare(a: ExtractedAction): [string, string] {
  switch (a.type) {
    case "pageview":
      return [`Page Load: ${a.page}`, `User landed ${on(a.page)}`];
    case "click":
      return a.rage
        ? [`Rage click ${on(a.page)}`, `User clicked many times in quick succession (rage click) ${on(a.page)}`]
        : [`Click ${on(a.page)}`, `User clicked ${on(a.page)}`];
    case "submit":
      return ["Submit form", `User submitted a form ${on(a.page)}`];
    case "type":
      return ["Type in unnamed field", `User typed in a field ${on(a.page)}`];
    case "focus":
      return ["Focus unnamed field", `User focused a field ${on(a.page)}`];
    case "blur":
      return ["Leave unnamed field", `User left a field ${on(a.page)}`];
    case "invalid":
      return labelInvalid(a, undefined);
  }
}

export function labelAction(a: ExtractedAction): ActionLabel {
  const el = a.element;
  const [title, description] = el ? labelElement(a, el) : labelBare(a);
  const words = [el?.name, el?.submitter, a.type === "type" ? undefined : el?.form].filter(Boolean).join(" ");
  return {
    title: truncate(title, MAX_TITLE),
    description: truncate(description, MAX_DESCRIPTION),
    intent: inferIntent({ type: a.type, kind: el?.kind, name: words || undefined, rage: a.rage }),
  };
}

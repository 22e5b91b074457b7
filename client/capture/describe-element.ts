/**
 * Describes an element by identity only — tag, id, name, role, aria-label, label text, input type,
 * href, form — as the capture contract's RawTarget. Field values are never read: the only `.value`
 * looked at is the caption of a submit/button input. Emails and long digit runs in visible text are
 * masked before anything leaves the page.
 */
import type { RawTarget } from "../../server/contracts/capture.js";

const FIELD_TAGS = ["input", "select", "textarea"];
const BUTTON_INPUTS = ["submit", "button", "reset", "image"];
/** Elements whose text never names anything (or could hold typed content). */
const SKIP_TEXT = ["input", "select", "textarea", "option", "script", "style", "svg", "noscript", "template"];

/** Emails and long digit runs masked, whitespace collapsed, cut to `max`; undefined when nothing is left. */
export const maskText = (text: string, max = 300): string | undefined => clip(text, max);

const clip = (text: string | null | undefined, max = 200): string | undefined => {
  const clean = (text ?? "")
    .replace(/[^\s@]+@[^\s@]+\.[^\s@]+/g, "[email]")
    .replace(/\d[\d\s-]{10,}\d/g, "[number]")
    .replace(/\s+/g, " ")
    .trim();
  return clean ? clean.slice(0, max) : undefined;
};

/** Visible text of an element, skipping nested controls so a label never carries a select's options. */
export function textOf(node: Node, budget = 400): string {
  let out = "";
  const walk = (n: Node) => {
    if (out.length > budget) return;
    if (n.nodeType === 3) out += n.nodeValue ?? "";
    else if (n.nodeType === 1 && !SKIP_TEXT.includes((n as Element).tagName.toLowerCase())) n.childNodes.forEach(walk);
    out += " ";
  };
  node.childNodes.forEach(walk);
  return out;
}

const attr = (el: Element, name: string) => clip(el.getAttribute(name));

function labelledBy(el: Element): string | undefined {
  const ids = el.getAttribute("aria-labelledby");
  if (!ids) return undefined;
  return clip(ids.split(/\s+/).map((id) => {
    const target = document.getElementById(id);
    return target ? textOf(target) : "";
  }).join(" "));
}

function fieldLabel(el: Element): string | undefined {
  const labels = (el as HTMLInputElement).labels;
  const label = (labels && labels[0]) || el.closest("label");
  return (label ? clip(textOf(label)) : undefined) ?? labelledBy(el);
}

/** Where a link leads, without its query or hash: a path on this site, origin + path elsewhere. */
function hrefOf(el: Element): string | undefined {
  const raw = el.getAttribute("href");
  if (!raw || /^(javascript|mailto|tel):/i.test(raw)) return undefined;
  try {
    const url = new URL(raw, location.href);
    return url.origin === location.origin ? url.pathname : url.origin + url.pathname;
  } catch {
    return undefined;
  }
}

/** A form's name: aria-label, name or id (read as attributes: `form.name` can be a field named "name"). */
export function formName(form: Element | null | undefined): string | undefined {
  return form ? attr(form, "aria-label") ?? attr(form, "name") ?? attr(form, "id") : undefined;
}

export function describeElement(el: Element): RawTarget {
  const tag = el.tagName.toLowerCase();
  const type = tag === "input" ? (el.getAttribute("type") ?? "text").toLowerCase() : undefined;
  const isField = FIELD_TAGS.includes(tag) && !(type && BUTTON_INPUTS.includes(type));
  const target: RawTarget = {
    tag,
    id: attr(el, "id"),
    name: attr(el, "name"),
    role: attr(el, "role"),
    aria_label: attr(el, "aria-label") ?? labelledBy(el),
    title: attr(el, "title"),
    input_type: type,
    form: tag === "form" ? undefined : formName(el.closest("form")),
  };
  if (isField) {
    target.label = fieldLabel(el);
    target.placeholder = attr(el, "placeholder");
  } else if (type) {
    target.text = clip((el as HTMLInputElement).value);
  } else if (tag !== "form") {
    target.text = clip(textOf(el));
  }
  if (tag === "a") target.href = hrefOf(el);
  for (const key of Object.keys(target) as (keyof RawTarget)[]) if (target[key] === undefined) delete target[key];
  return target;
}

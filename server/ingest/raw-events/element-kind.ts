/**
 * What kind of control an element is, from its tag, role and input type — the noun labels use
 * ("button", "link", "checkbox", "dropdown", "field"…). The ARIA role wins over the tag, as it does for
 * assistive technology.
 */
import type { RawTarget } from "./raw-event.schema.js";

export type ElementKind =
  | "button"
  | "link"
  | "checkbox"
  | "switch"
  | "radio"
  | "dropdown"
  | "field"
  | "text-area"
  | "file"
  | "slider"
  | "tab"
  | "menu-item"
  | "option"
  | "toggle"
  | "label"
  | "form"
  | "image"
  | "element";

/** The noun for each kind, as it reads in a title: "Click 'Save' button". */
export const KIND_NOUN: Record<ElementKind, string> = {
  button: "button",
  link: "link",
  checkbox: "checkbox",
  switch: "switch",
  radio: "radio button",
  dropdown: "dropdown",
  field: "field",
  "text-area": "text area",
  file: "file field",
  slider: "slider",
  tab: "tab",
  "menu-item": "menu item",
  option: "option",
  toggle: "toggle",
  label: "label",
  form: "form",
  image: "image",
  element: "element",
};

const ROLE_KIND: Record<string, ElementKind> = {
  button: "button",
  link: "link",
  checkbox: "checkbox",
  switch: "switch",
  radio: "radio",
  tab: "tab",
  menuitem: "menu-item",
  menuitemcheckbox: "checkbox",
  menuitemradio: "radio",
  option: "option",
  combobox: "dropdown",
  listbox: "dropdown",
  textbox: "field",
  searchbox: "field",
  slider: "slider",
  spinbutton: "field",
  img: "image",
};

const BUTTON_INPUTS = new Set(["submit", "button", "reset", "image"]);

export function elementKind(target: Pick<RawTarget, "tag" | "role" | "input_type">): ElementKind {
  const role = target.role?.trim().toLowerCase().split(/\s+/)[0];
  const byRole = role ? ROLE_KIND[role] : undefined;
  if (byRole) return byRole;
  const tag = target.tag.trim().toLowerCase();
  const type = (target.input_type ?? "").trim().toLowerCase();
  switch (tag) {
    case "a":
      return "link";
    case "button":
      return "button";
    case "select":
      return "dropdown";
    case "textarea":
      return "text-area";
    case "summary":
      return "toggle";
    case "label":
      return "label";
    case "form":
      return "form";
    case "img":
    case "svg":
      return "image";
    case "option":
      return "option";
    case "input":
      if (BUTTON_INPUTS.has(type)) return "button";
      if (type === "checkbox") return "checkbox";
      if (type === "radio") return "radio";
      if (type === "file") return "file";
      if (type === "range") return "slider";
      return "field";
    default:
      return "element";
  }
}

/** Kinds whose visible text is their name; a field's name comes from its label instead. */
export function isTextNamed(kind: ElementKind): boolean {
  return !["field", "text-area", "dropdown", "file", "slider", "form"].includes(kind);
}

/** What an input's type says about what is typed into it, for descriptions ("an email address"). */
export const INPUT_TYPE_PHRASE: Record<string, string> = {
  email: "an email address",
  tel: "a phone number",
  url: "a web address",
  password: "a password",
  search: "a search",
  number: "a number",
  date: "a date",
  "datetime-local": "a date and time",
  time: "a time",
  month: "a month",
  week: "a week",
  color: "a colour",
};

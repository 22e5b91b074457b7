import { h } from "../shared/dom.js";

/** A labelled form field with a slot for its validation error. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): HTMLElement {
  control.id ||= `f-${label.toLowerCase().replace(/\W+/g, "-")}`;
  control.name ||= control.id.slice(2);
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control, h("span", { class: "error", role: "alert" }));
}

/**
 * Shows (or clears) a field's error. It is also the field's custom validity, so `reportInvalid` fires the
 * standard `invalid` events that capture.js records — as a real app's constraint validation would.
 */
export function setError(form: HTMLFormElement, name: string, message: string): void {
  const control = form.elements.namedItem(name) as HTMLInputElement | null;
  control?.setCustomValidity?.(message);
  const box = control?.closest(".field");
  if (!box) return;
  box.classList.toggle("invalid", message !== "");
  box.querySelector(".error")!.textContent = message;
}

export function select(options: string[], placeholder?: string): HTMLSelectElement {
  const el = h("select", {});
  if (placeholder) el.append(h("option", { value: "" }, placeholder));
  for (const o of options) el.append(h("option", { value: o }, o));
  return el;
}

/** Fires `invalid` on every field with an error (the form has `novalidate`, so the page shows its own messages). */
export function reportInvalid(form: HTMLFormElement): void {
  form.checkValidity();
}

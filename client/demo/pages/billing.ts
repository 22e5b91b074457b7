import { h } from "../../shared/dom.js";
import { field, reportInvalid, setError } from "../form.js";
import { load, save } from "../store.js";

export function billing(): Node {
  const data = load();
  const cardLine = h("p", {}, h("strong", {}, "Payment method: "), data.card);
  const number = h("input", { inputmode: "numeric", autocomplete: "off" });
  number.id = "f-card-number";
  const expiry = h("input", { placeholder: "MM/YY", autocomplete: "off" });
  expiry.id = "f-expiry";
  const form = h("form", { class: "panel", name: "card", "aria-label": "Payment method", novalidate: true, hidden: true },
    field("Card number", number), field("Expiry", expiry), h("button", { class: "btn", type: "submit" }, "Save card"));
  const open = h("button", { class: "btn secondary", type: "button" }, "Update payment method");
  open.addEventListener("click", () => {
    form.hidden = false;
    number.focus();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const digits = number.value.replace(/\D/g, "");
    const okNumber = digits.length >= 12 && digits.length <= 19;
    const okExpiry = /^(0[1-9]|1[0-2])\/\d\d$/.test(expiry.value);
    setError(form, "card-number", okNumber ? "" : "Enter the full card number.");
    setError(form, "expiry", okExpiry ? "" : "Use the MM/YY format.");
    if (!okNumber || !okExpiry) return reportInvalid(form);
    data.card = `Card ending ${digits.slice(-4)}`;
    save(data);
    cardLine.replaceChildren(h("strong", {}, "Payment method: "), data.card);
    form.hidden = true;
  });
  return h("div", {}, h("h1", {}, "Billing"), h("div", { class: "panel" }, h("p", {}, h("strong", {}, "Plan: "), "Growth — $49/month"), cardLine, open), h("div", { style: "height:14px" }), form);
}

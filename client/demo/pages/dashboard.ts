import { h } from "../../shared/dom.js";
import { invoiceTable } from "./invoices.js";
import { load, money } from "../store.js";

export function dashboard(): Node {
  const { invoices } = load();
  const sum = (s: string) => invoices.filter((i) => i.status === s).reduce((n, i) => n + i.amount, 0);
  const card = (label: string, value: string) => h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
  return h(
    "div",
    {},
    h("div", { class: "toolbar" }, h("h1", {}, "Dashboard"), h("a", { class: "btn", href: "/invoices/new" }, "Create invoice")),
    h("div", { class: "cards" }, card("Outstanding", money(sum("sent"))), card("Overdue", money(sum("overdue"))), card("Paid", money(sum("paid")))),
    h("h2", {}, "Recent invoices"),
    invoiceTable(invoices.slice(0, 3)),
  );
}

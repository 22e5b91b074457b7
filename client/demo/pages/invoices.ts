import { h } from "../../shared/dom.js";
import { load, money, type Invoice } from "../store.js";

export function invoiceTable(invoices: Invoice[]): HTMLTableElement {
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, h("th", {}, "Invoice"), h("th", {}, "Customer"), h("th", {}, "Amount"), h("th", {}, "Due"), h("th", {}, "Status"))),
    h(
      "tbody",
      {},
      ...invoices.map((i) =>
        h(
          "tr",
          {},
          h("td", {}, h("a", { href: `/invoices/${i.id}` }, `#${i.id}`)),
          h("td", {}, i.customer),
          h("td", {}, money(i.amount)),
          h("td", {}, i.due),
          h("td", {}, h("span", { class: `status ${i.status}` }, i.status)),
        ),
      ),
    ),
  );
}

export function invoices(): Node {
  return h(
    "div",
    {},
    h("div", { class: "toolbar" }, h("h1", {}, "Invoices"), h("a", { class: "btn", href: "/invoices/new", id: "new-invoice" }, "New invoice")),
    invoiceTable(load().invoices),
  );
}

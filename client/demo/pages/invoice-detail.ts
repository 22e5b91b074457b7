import { h } from "../../shared/dom.js";
import { load, money, save } from "../store.js";

export function invoiceDetail(params: Record<string, string>): Node {
  const data = load();
  const invoice = data.invoices.find((i) => String(i.id) === params.id);
  if (!invoice) return h("div", {}, h("h1", {}, "Invoice not found"), h("a", { href: "/invoices" }, "Back to invoices"));
  const notice = h("div", { class: "notice", role: "status", hidden: true });
  const send = h("button", { class: "btn", type: "button" }, "Send invoice");
  send.addEventListener("click", () => {
    invoice.status = "sent";
    save(data);
    notice.textContent = `Invoice #${invoice.id} was emailed to ${invoice.customer}.`;
    notice.hidden = false;
    status.textContent = "sent";
    status.className = "status sent";
  });
  const status = h("span", { class: `status ${invoice.status}` }, invoice.status);
  return h(
    "div",
    {},
    h("div", { class: "toolbar" }, h("h1", {}, `Invoice #${invoice.id}`), send, h("a", { class: "btn secondary", href: "/invoices" }, "Back")),
    notice,
    h(
      "div",
      { class: "panel" },
      h("p", {}, h("strong", {}, "Customer: "), invoice.customer),
      h("p", {}, h("strong", {}, "Amount: "), money(invoice.amount)),
      h("p", {}, h("strong", {}, "Due: "), invoice.due),
      h("p", {}, h("strong", {}, "Status: "), status),
      h("div", { "data-pilotlight-ignore": true }, h("p", {}, h("strong", {}, "Private notes "), "(never captured): internal margin 32%.")),
    ),
  );
}

import { h } from "../../shared/dom.js";
import { field, reportInvalid, select, setError } from "../form.js";
import { navigate } from "../router.js";
import { customers, load, save } from "../store.js";

export function invoiceNew(): Node {
  const customer = select(customers, "Choose a customer…");
  customer.id = "f-customer";
  const amount = h("input", { type: "number", step: "0.01", min: "0", inputmode: "decimal" });
  const due = h("input", { type: "date" });
  const notes = h("textarea", { rows: "3" });
  const form = h(
    "form",
    { class: "panel", name: "new-invoice", "aria-label": "New invoice", novalidate: true },
    field("Customer", customer),
    field("Amount", amount),
    field("Due date", due),
    field("Notes", notes),
    h("button", { class: "btn", type: "submit" }, "Save invoice"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const errors: [string, string][] = [
      ["customer", customer.value ? "" : "Choose the customer this invoice is for."],
      ["amount", Number(amount.value) > 0 ? "" : "Enter an amount greater than zero."],
      ["due-date", due.value ? "" : "Pick a due date."],
    ];
    errors.forEach(([name, message]) => setError(form, name, message));
    if (errors.some(([, m]) => m)) return reportInvalid(form);
    const data = load();
    const id = Math.max(...data.invoices.map((i) => i.id)) + 1;
    data.invoices.unshift({ id, customer: customer.value, amount: Number(amount.value), due: due.value, status: "draft" });
    save(data);
    navigate(`/invoices/${id}`);
  });
  return h("div", {}, h("h1", {}, "New invoice"), form);
}

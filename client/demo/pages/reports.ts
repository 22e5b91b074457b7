import { h } from "../../shared/dom.js";
import { field, select } from "../form.js";
import { load } from "../store.js";

export function reports(): Node {
  const range = select(["Last 30 days", "This quarter", "Last quarter", "This year"], "Choose a date range…");
  range.id = "f-date-range";
  const notice = h("div", { class: "notice", role: "status", hidden: true });
  const exportButton = h("button", { class: "btn", type: "button" }, "Export CSV");
  exportButton.addEventListener("click", () => {
    const rows = [["invoice", "customer", "amount", "status"], ...load().invoices.map((i) => [i.id, i.customer, i.amount, i.status])];
    const blob = new Blob([rows.map((r) => r.join(",")).join("\n")], { type: "text/csv" });
    const a = h("a", { href: URL.createObjectURL(blob), download: "acme-report.csv" });
    a.click();
    notice.textContent = `Exported ${rows.length - 1} invoices${range.value ? ` for ${range.value.toLowerCase()}` : ""}.`;
    notice.hidden = false;
  });
  const bars = [40, 65, 52, 80, 71, 95].map((v) => h("span", { style: `height:${v}%` }));
  return h(
    "div",
    {},
    h("h1", {}, "Reports"),
    notice,
    h("div", { class: "panel" }, field("Date range", range), exportButton),
    h("div", { class: "chart", "aria-label": "Revenue by month" }, ...bars),
  );
}

/**
 * The Installation panel: what an integrator checks while embedding Pilotlight — the two script tags with
 * this product's key, the allowed origins, page origins seen in the last hour (allowed or refused, and why)
 * and the last event per source. Everything is rendered as text.
 */
import { h, setText } from "../shared/dom.js";
import type { Json } from "./api.js";
import { ago } from "./format.js";

const cell = (text: string, cls?: string) => h("td", cls ? { class: cls } : {}, text);

function table(headers: string[], rows: HTMLTableRowElement[], empty: string): HTMLElement {
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, ...(rows.length ? rows : [h("tr", {}, h("td", { colspan: String(headers.length), class: "empty" }, empty))])),
    ),
  );
}

export function createInstallationView() {
  const snippet = h("pre", { class: "snippet", id: "install-snippet" });
  const allowed = h("p", { class: "muted" });
  const origins = h("div", { id: "install-origins" });
  const sources = h("div", { id: "install-sources" });
  const el = h(
    "div",
    { class: "card" },
    h("p", {}, "Add these two tags to every page of your product:"),
    snippet,
    allowed,
    h("h3", {}, "Page origins seen in the last hour"),
    origins,
    h("h3", {}, "Last event per source"),
    sources,
  );
  return {
    el,
    render(data: Json): void {
      const base = location.origin;
      setText(
        snippet,
        `<script src="${base}/capture.js" data-product-key="${data.product_key}" async></script>\n` +
          `<script src="${base}/widget.js" data-product-key="${data.product_key}" async></script>`,
      );
      const list = (data.allowed_origins as string[]).join(", ");
      setText(allowed, `Allowed origins (ALLOWED_ORIGINS): ${list || "none yet — only pages served by Pilotlight itself"}. Pilotlight's own origin is always allowed.`);
      origins.replaceChildren(
        table(
          ["origin", "via", "verdict", "why", "requests", "last seen"],
          (data.origins as Json[]).map((o) =>
            h(
              "tr",
              {},
              cell(o.origin),
              cell(o.channel),
              cell(o.allowed ? "allowed" : `refused (${o.code})`, o.allowed ? "ok" : "bad"),
              cell(o.reason ?? "", "text"),
              cell(String(o.count)),
              cell(ago(o.last_seen_at, data.now)),
            ),
          ),
          "No page has tried to connect in the last hour.",
        ),
      );
      sources.replaceChildren(
        table(
          ["source", "last accepted", "session", "last refused", "why"],
          (data.sources as Json[]).map((s) =>
            h(
              "tr",
              {},
              cell(s.source),
              cell(s.last_accepted_at ? ago(s.last_accepted_at, data.now) : "never (since start)"),
              cell(s.last_session_id ?? ""),
              cell(s.last_refused_at ? ago(s.last_refused_at, data.now) : "—"),
              cell(s.last_refusal_code ? `${s.last_refusal_code}: ${s.last_refusal_reason}` : "", "text"),
            ),
          ),
          "",
        ),
      );
    },
  };
}

/**
 * Recent suggestions (text, source and signal, status with the decision's reason code, outcome) and the
 * recent skipped decisions with their reason codes. Rows hold no controls, so they are simply rebuilt.
 */
import type { AdminRuleNote, AdminSkip, AdminSuggestion, AdminSuggestionsResponse } from "../../server/contracts/admin.js";
import { h } from "../shared/dom.js";
import { ago, clockTime } from "./format.js";

function table(caption: string, headers: string[], id: string) {
  const body = h("tbody");
  const el = h(
    "table",
    { id },
    h("caption", { class: "sr-only" }, caption),
    h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", { scope: "col" }, t)))),
    body,
  );
  return { el, body };
}

function when(iso: string, now: string): HTMLElement {
  return h("td", {}, h("time", { datetime: iso, title: ago(iso, now) }, clockTime(iso, true)));
}

function emptyRow(columns: number, text: string): HTMLTableRowElement {
  return h("tr", {}, h("td", { colspan: String(columns), class: "empty" }, text));
}

/** The memory, trigger and precision rules behind a decision, one line each: code, then why. */
function rulesList(rules: readonly AdminRuleNote[]): HTMLElement | null {
  if (rules.length === 0) return null;
  return h("ul", { class: "rules" }, ...rules.map((r) => h("li", {}, h("code", {}, r.code), ` ${r.detail}`)));
}

function outcomeBadge(s: AdminSuggestion): HTMLElement {
  if (s.status === "pending") return h("span", { class: "badge none" }, "waiting for a widget");
  if (s.status === "expired") return h("span", { class: "badge none" }, "expired unseen");
  if (s.status === "held_out") return h("span", { class: "badge none" }, "held out");
  if (s.outcome === null) return h("span", { class: "badge none" }, "not shown");
  return h("span", { class: `badge ${s.outcome}` }, s.outcome);
}

function suggestionRow(s: AdminSuggestion, now: string): HTMLTableRowElement {
  const origin = [s.source, s.signal].filter(Boolean).join(" · ");
  const step = s.workflow_id ? `${s.workflow_id}${s.step_id ? ` › ${s.step_id}` : ""}` : null;
  return h(
    "tr",
    { "data-suggestion-id": String(s.id) },
    when(s.created_at, now),
    h("td", {}, h("code", {}, s.session_id)),
    h("td", { class: "text" }, s.text, step ? h("div", { class: "muted" }, step) : null, rulesList(s.rules)),
    h("td", {}, origin, s.model_error ? h("div", { class: "muted" }, `model error: ${s.model_error}`) : null),
    h("td", { class: "status" }, s.status, s.reason ? h("div", {}, h("code", { class: "reason" }, s.reason)) : null),
    h("td", { class: "outcome" }, outcomeBadge(s)),
  );
}

function skipRow(d: AdminSkip, now: string): HTMLTableRowElement {
  const detail = [d.detail, d.model_error && `model error: ${d.model_error}`, d.suggestion_text && `candidate: “${d.suggestion_text}”`].filter(Boolean).join(" · ");
  return h(
    "tr",
    { "data-decision-id": String(d.id) },
    when(d.created_at, now),
    h("td", {}, h("code", {}, d.session_id)),
    h("td", {}, h("code", { class: "reason" }, d.reason ?? "unknown")),
    h("td", {}, d.trigger),
    h("td", { class: "text" }, detail || "—", d.holdout ? h("div", { class: "muted" }, "holdout session") : null, rulesList(d.rules)),
  );
}

export function createSuggestionsView() {
  const suggestions = table("Recent suggestions", ["Time", "Session", "Suggestion", "Source · signal", "Status · reason", "Outcome"], "suggestions");
  const skips = table("Recent skipped decisions", ["Time", "Session", "Reason", "Trigger", "Detail"], "skips");
  return {
    suggestionsEl: suggestions.el,
    skipsEl: skips.el,
    render(data: AdminSuggestionsResponse): void {
      suggestions.body.replaceChildren(
        ...(data.suggestions.length ? data.suggestions.map((s) => suggestionRow(s, data.now)) : [emptyRow(6, "No suggestion yet.")]),
      );
      skips.body.replaceChildren(...(data.skips.length ? data.skips.map((d) => skipRow(d, data.now)) : [emptyRow(5, "No skipped decision yet.")]));
    },
  };
}

/**
 * Measured lift (GET /v1/admin/stats/lift): workflow completion with suggestions against the holdout, the
 * difference with its 95 % interval, and per trigger the follow-through (and the holdout's natural rate)
 * and the dismiss rate. Rebuilt on each refresh; every value is set as text.
 */
import type { AdminLiftResponse } from "../../server/contracts/admin.js";
import { h } from "../shared/dom.js";
import { percent } from "./format.js";

const points = (d: number | null) => (d === null ? "—" : `${d >= 0 ? "+" : ""}${(d * 100).toFixed(1)} pts`);

function summary(l: AdminLiftResponse): HTMLElement {
  const c = l.completion;
  const group = (name: string, g: typeof c.with_suggestions) =>
    h("div", {}, h("span", { class: "value" }, percent(g.rate)), h("span", { class: "label" }, `${name}: ${g.completed} of ${g.units} completed${g.in_progress ? `, ${g.in_progress} in progress` : ""}`));
  const ci = c.ci95 ? `95 % CI ${points(c.ci95.low)} … ${points(c.ci95.high)}` : "no interval yet (a group is empty)";
  const verdict = c.significant === null ? "" : c.significant ? " · the interval excludes 0" : " · the interval includes 0: no measurable lift yet";
  return h(
    "div",
    { class: "totals card", id: "lift-summary" },
    group("with suggestions", c.with_suggestions),
    group(`holdout (${l.holdout.pct} % by ${l.holdout.unit})`, c.without_suggestions),
    h("div", {}, h("span", { class: "value" }, points(c.difference)), h("span", { class: "label" }, `${ci}${verdict}`)),
  );
}

function triggerTable(l: AdminLiftResponse): HTMLElement {
  const body = h("tbody");
  const headers = ["Trigger", "Shown", "Follow-through", "Holdout: happened anyway", "Dismissed", "Accepted"];
  body.replaceChildren(
    ...(l.triggers.length
      ? l.triggers.map((t) =>
          h(
            "tr",
            { "data-trigger": t.trigger },
            h("td", {}, h("code", {}, t.trigger)),
            h("td", {}, String(t.shown)),
            h("td", {}, `${percent(t.follow_through)} (${t.followed} of ${t.with_step})`),
            h("td", {}, `${percent(t.natural_follow_rate)} (${t.held_out_followed} of ${t.held_out_with_step})`),
            h("td", {}, `${percent(t.dismiss_rate)} (${t.dismissed})`),
            h("td", {}, String(t.accepted)),
          ),
        )
      : [h("tr", {}, h("td", { colspan: String(headers.length), class: "empty" }, "No suggestion in this period."))]),
  );
  return h(
    "table",
    { id: "lift-triggers" },
    h("caption", { class: "sr-only" }, "Follow-through and dismissals per trigger"),
    h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", { scope: "col" }, t)))),
    body,
  );
}

export function createLiftView() {
  const el = h("div", { id: "lift" });
  return {
    el,
    render(l: AdminLiftResponse): void {
      const note = h(
        "p",
        { class: "muted" },
        `Last ${l.days} days. Completion per (session, workflow) attempt; followed = the suggested step done within ${Math.round(l.follow_window_ms / 1000)} s. ${l.completion.method}.`,
      );
      el.replaceChildren(summary(l), triggerTable(l), note);
    },
  };
}

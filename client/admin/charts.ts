/**
 * The two activity charts, drawn as inline SVG from /v1/admin/stats: actions ingested per bucket, and
 * suggestion outcomes per bucket (accepted / dismissed / ignored, stacked) with the acceptance rate as a line.
 * Every drawn value is one mark (`.mark[data-series]`); empty buckets draw nothing. Each chart has a text
 * summary for screen readers and its numbers in a table behind a disclosure.
 */
import type { AdminStatsBucket, AdminStatsResponse } from "../../server/contracts/admin.js";
import { h, setText } from "../shared/dom.js";
import { bandOf, DEFAULT_BOX as BOX, labelledBuckets, niceCeil, yOf } from "./chart-geometry.js";
import { clockTime, percent } from "./format.js";
import { svg } from "./svg.js";

const OUTCOMES = [
  { key: "accepted", label: "accepted", color: "var(--accepted)" },
  { key: "dismissed", label: "dismissed", color: "var(--dismissed)" },
  { key: "ignored", label: "ignored", color: "var(--ignored)" },
] as const;

const perBucket = (bucketS: number) => (bucketS === 60 ? "minute" : bucketS === 3600 ? "hour" : `${bucketS} s`);

/** Grid lines with count labels on the left, time labels below. */
function frame(stats: AdminStatsResponse, max: number): SVGGElement {
  const g = svg("g", { "aria-hidden": "true" });
  for (const v of [0, max / 2, max]) {
    const y = yOf(v, max, BOX);
    g.append(svg("line", { class: "grid", x1: BOX.left, x2: BOX.width - BOX.right, y1: y, y2: y }));
    g.append(svg("text", { class: "axis", x: BOX.left - 6, y: y + 4, "text-anchor": "end" }, Number.isInteger(v) ? String(v) : v.toFixed(1)));
  }
  for (const i of labelledBuckets(stats.buckets.length)) {
    const { x, width } = bandOf(i, stats.buckets.length, BOX);
    const anchor = i === 0 ? "start" : i === stats.buckets.length - 1 ? "end" : "middle";
    const tx = anchor === "start" ? x : anchor === "end" ? x + width : x + width / 2;
    g.append(svg("text", { class: "axis", x: tx, y: BOX.height - 8, "text-anchor": anchor }, clockTime(stats.buckets[i]!.start)));
  }
  return g;
}

function chartSvg(label: string): SVGSVGElement {
  return svg("svg", { viewBox: `0 0 ${BOX.width} ${BOX.height}`, role: "img", "aria-label": label });
}

/** A chart's numbers as a table behind a disclosure; the disclosure persists, its rows are replaced. */
function dataTable(headers: string[]) {
  const body = h("tbody");
  const el = h(
    "details",
    {},
    h("summary", {}, "Numbers"),
    h("table", {}, h("thead", {}, h("tr", {}, ...headers.map((t) => h("th", { scope: "col" }, t)))), body),
  );
  return {
    el,
    render(rows: string[][]): void {
      body.replaceChildren(
        ...(rows.length
          ? rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c))))
          : [h("tr", {}, h("td", { colspan: String(headers.length), class: "empty" }, "Nothing in this period."))]),
      );
    },
  };
}

/**
 * A figure whose SVG and numbers are redrawn on each refresh while the figure and its disclosure stay, so an
 * opened table stays open and keeps keyboard focus.
 */
function createFigure(id: string, headers: string[], extra: HTMLElement | null = null) {
  const caption = h("figcaption");
  let chart: SVGSVGElement = chartSvg("");
  const table = dataTable(headers);
  const el = h("figure", { class: "chart card", id }, caption, chart, extra, table.el);
  return {
    el,
    render(title: string, next: SVGSVGElement, rows: string[][]): void {
      setText(caption, title);
      chart.replaceWith(next);
      chart = next;
      table.render(rows);
    },
  };
}

function legend(items: { label: string; color: string }[]): HTMLElement {
  return h("div", { class: "legend", "aria-hidden": "true" }, ...items.map((i) => h("span", { style: `--swatch: ${i.color}` }, i.label)));
}

function drawIngest(stats: AdminStatsResponse): SVGSVGElement {
  const values = stats.buckets.map((b) => b.actions);
  const max = niceCeil(Math.max(0, ...values));
  const peak = values.indexOf(Math.max(...values));
  const summary =
    stats.totals.actions === 0
      ? `No actions ingested in the last ${stats.minutes} minutes.`
      : `${stats.totals.actions} actions ingested in the last ${stats.minutes} minutes; busiest ${perBucket(stats.bucket_s)} ${clockTime(stats.buckets[peak]!.start)} with ${values[peak]}.`;
  const chart = chartSvg(summary);
  chart.append(frame(stats, max));
  stats.buckets.forEach((b, i) => {
    if (b.actions === 0) return;
    const { x, width } = bandOf(i, stats.buckets.length, BOX);
    const y = yOf(b.actions, max, BOX);
    chart.append(
      svg("rect", { class: "mark", "data-series": "actions", "data-bucket": i, x, y, width, height: yOf(0, max, BOX) - y, fill: "var(--actions)" },
        svg("title", {}, `${clockTime(b.start)}: ${b.actions} actions`)),
    );
  });
  return chart;
}

const settled = (b: AdminStatsBucket) => b.accepted + b.dismissed + b.ignored;

function drawAcceptance(stats: AdminStatsResponse): SVGSVGElement {
  const max = niceCeil(Math.max(0, ...stats.buckets.map(settled)));
  const t = stats.totals;
  const summary = `Suggestion outcomes in the last ${stats.minutes} minutes: ${t.accepted} accepted, ${t.dismissed} dismissed, ${t.ignored} ignored, ${t.pending} pending; acceptance ${percent(t.acceptance_rate)}.`;
  const chart = chartSvg(summary);
  chart.append(frame(stats, max));
  chart.append(
    svg("g", { "aria-hidden": "true" },
      svg("text", { class: "axis", x: BOX.width - BOX.right + 6, y: yOf(1, 1, BOX) + 4 }, "100 %"),
      svg("text", { class: "axis", x: BOX.width - BOX.right + 6, y: yOf(0, 1, BOX) + 4 }, "0 %")),
  );
  const points: string[] = [];
  stats.buckets.forEach((b, i) => {
    const { x, width } = bandOf(i, stats.buckets.length, BOX);
    let base = 0;
    for (const o of OUTCOMES) {
      const n = b[o.key];
      if (n === 0) continue;
      const top = yOf(base + n, max, BOX);
      chart.append(
        svg("rect", { class: "mark", "data-series": o.key, "data-bucket": i, x, y: top, width, height: yOf(base, max, BOX) - top, fill: o.color },
          svg("title", {}, `${clockTime(b.start)}: ${n} ${o.label} (${b.delivered} delivered)`)),
      );
      base += n;
    }
    if (b.acceptance_rate !== null) points.push(`${x + width / 2},${yOf(b.acceptance_rate, 1, BOX)}`);
  });
  if (points.length > 1) chart.append(svg("polyline", { points: points.join(" "), fill: "none", stroke: "var(--rate)", "stroke-width": 1.5 }));
  stats.buckets.forEach((b, i) => {
    if (b.acceptance_rate === null) return;
    const { x, width } = bandOf(i, stats.buckets.length, BOX);
    chart.append(
      svg("circle", { class: "mark", "data-series": "acceptance_rate", "data-bucket": i, cx: x + width / 2, cy: yOf(b.acceptance_rate, 1, BOX), r: 3, fill: "var(--rate)" },
        svg("title", {}, `${clockTime(b.start)}: acceptance ${percent(b.acceptance_rate)}`)),
    );
  });
  return chart;
}

/** Both charts; `render(stats)` redraws them. */
export function createCharts() {
  const ingest = createFigure("ingest-chart", ["From", "Actions"]);
  const acceptance = createFigure(
    "acceptance-chart",
    ["From", "Delivered", "Accepted", "Dismissed", "Ignored", "Acceptance"],
    legend([...OUTCOMES, { label: "acceptance rate (right axis)", color: "var(--rate)" }]),
  );
  return {
    el: h("div", { class: "charts" }, ingest.el, acceptance.el),
    render(stats: AdminStatsResponse): void {
      const per = perBucket(stats.bucket_s);
      ingest.render(
        `Actions ingested per ${per}`,
        drawIngest(stats),
        stats.buckets.filter((b) => b.actions > 0).map((b) => [clockTime(b.start), String(b.actions)]),
      );
      acceptance.render(
        `Suggestion outcomes and acceptance per ${per}`,
        drawAcceptance(stats),
        stats.buckets
          .filter((b) => b.delivered + settled(b) > 0)
          .map((b) => [clockTime(b.start), String(b.delivered), String(b.accepted), String(b.dismissed), String(b.ignored), percent(b.acceptance_rate)]),
      );
    },
  };
}

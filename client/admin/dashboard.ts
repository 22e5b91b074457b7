/**
 * The signed-in page: totals and charts, live sessions, recent suggestions and skips, refreshed every few
 * seconds (one refresh at a time; none while paused or while the tab is hidden). A 401 during a refresh
 * (the token was rotated) hands back to the sign-in form.
 */
import type { AdminStatsResponse } from "../../server/contracts/admin.js";
import { h, setText } from "../shared/dom.js";
import { AdminApiError, type AdminApi } from "./api.js";
import { createCharts } from "./charts.js";
import { createInstallationView } from "./installation-view.js";
import { createSearchView } from "./search-view.js";
import { createWorkflowsView } from "./workflows-view.js";
import { clockTime, percent } from "./format.js";
import { createLiftView } from "./lift-view.js";
import { createSessionsView } from "./sessions-view.js";
import { createSuggestionsView } from "./suggestions-view.js";

export const REFRESH_MS = 5_000;

export interface DashboardEvents {
  unauthorized(error: AdminApiError): void;
  signOut(): void;
}

function section(id: string, title: string, ...content: Node[]): HTMLElement {
  return h("section", { "aria-labelledby": id }, h("h2", { id }, title), ...content);
}

function renderTotals(el: HTMLElement, stats: AdminStatsResponse): void {
  const t = stats.totals;
  const item = (value: string, label: string) => h("div", {}, h("span", { class: "value" }, value), h("span", { class: "label" }, label));
  el.replaceChildren(
    item(String(t.actions), `actions, last ${stats.minutes} min`),
    item(String(t.delivery.delivered), "suggestions delivered"),
    item(String(t.delivery.pending), "waiting for a widget"),
    item(String(t.delivery.expired), "expired unseen"),
    item(String(t.accepted), "accepted"),
    item(String(t.dismissed), "dismissed"),
    item(String(t.ignored), "ignored"),
    item(String(t.pending), "awaiting feedback"),
    item(percent(t.acceptance_rate), "acceptance"),
    item(stats.skips_by_reason.map((s) => `${s.reason} ${s.count}`).join(", ") || "none", "skips by reason"),
  );
}

export function createDashboard(events: DashboardEvents) {
  const status = h("span", { class: "status" });
  const pause = h("button", { type: "button", "aria-pressed": "false" }, "Pause auto-refresh");
  const refreshNow = h("button", { type: "button" }, "Refresh now");
  const signOut = h("button", { type: "button" }, "Sign out");
  const toolbar = h("div", { class: "toolbar", hidden: true }, status, pause, refreshNow, signOut);
  const problem = h("p", { class: "error", role: "alert" });
  const totals = h("div", { class: "totals card", id: "totals" });
  const charts = createCharts();
  const sessions = createSessionsView();
  const suggestions = createSuggestionsView();
  const installation = createInstallationView();
  const workflows = createWorkflowsView();
  const search = createSearchView();
  const lift = createLiftView();
  const el = h(
    "div",
    { id: "dashboard", hidden: true },
    problem,
    section("installation-title", "Installation", installation.el),
    section("search-title", "Search", search.el),
    section("activity-title", "Activity", totals, charts.el),
    section("sessions-title", "Live sessions", sessions.el),
    section("suggestions-title", "Recent suggestions", suggestions.suggestionsEl),
    section("skips-title", "Skipped decisions", suggestions.skipsEl),
    section("workflows-title", "Workflows", workflows.el),
    section("lift-title", "Measured lift", lift.el),
  );

  let api: AdminApi | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | undefined;
  let paused = false;
  // Bumped by start/stop so a refresh that outlives its session changes nothing.
  let generation = 0;

  async function load(): Promise<void> {
    const [s, g, st, inst, l] = await Promise.all([api!.sessions(), api!.suggestions(), api!.stats(), api!.installation(), api!.lift()]);
    installation.render(inst);
    sessions.render(s);
    suggestions.render(g);
    lift.render(l);
    charts.render(st);
    renderTotals(totals, st);
    setText(status, `Product ${s.product_id} · updated ${clockTime(s.now, true)}${paused ? " · paused" : ""}`);
  }

  function schedule(): void {
    clearTimeout(timer);
    timer = undefined;
    if (api && !paused && !document.hidden) timer = setTimeout(() => void refresh(), REFRESH_MS);
  }

  function refresh(): Promise<void> {
    inFlight ??= (async () => {
      const mine = generation;
      try {
        await load();
        if (mine === generation) setText(problem, "");
      } catch (err) {
        if (mine !== generation) return;
        if (err instanceof AdminApiError && err.status === 401) {
          stop();
          events.unauthorized(err);
          return;
        }
        const e = err instanceof AdminApiError ? err : new AdminApiError(0, "client_error", String(err));
        setText(problem, `Refresh failed: ${e.message} (${e.code}). Retrying every ${REFRESH_MS / 1000} s.`);
      } finally {
        inFlight = undefined;
        if (mine === generation) schedule();
      }
    })();
    return inFlight;
  }

  function stop(): void {
    generation++;
    api = undefined;
    clearTimeout(timer);
    timer = undefined;
    el.hidden = true;
    toolbar.hidden = true;
  }

  pause.addEventListener("click", () => {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    setText(pause, paused ? "Resume auto-refresh" : "Pause auto-refresh");
    if (paused) schedule();
    else void refresh();
  });
  refreshNow.addEventListener("click", () => void refresh());
  signOut.addEventListener("click", () => {
    stop();
    events.signOut();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.hidden || !api) schedule();
    else void refresh();
  });

  return {
    toolbar,
    el,
    /** Loads everything once with `nextApi` (rejecting with its AdminApiError), then shows and refreshes. */
    async start(nextApi: AdminApi): Promise<void> {
      stop();
      api = nextApi;
      search.setApi(nextApi);
      const mine = generation;
      await Promise.all([load(), workflows.load(nextApi)]);
      if (mine !== generation) return;
      el.hidden = false;
      toolbar.hidden = false;
      setText(problem, "");
      schedule();
    },
    stop,
  };
}

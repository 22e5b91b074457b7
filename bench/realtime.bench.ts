/**
 * Realtime bench: ingest → `suggestion:created` at the widget, with the rules model and no debounce,
 * 1,000 connected widgets and 500 actions/s pushed through the webhook; plus the server's memory per
 * connected widget against a bare Socket.IO server measured in the same run.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { startChild, type Child } from "./lib/child.js";
import { profileArgs, summariseProfiles } from "./lib/cpu-profile.js";
import type { BenchResult } from "./lib/report.js";
import { cpuSeconds, machine, percentile, rssOf } from "./lib/stats.js";
import { startWidgetFleet, type WidgetFleet } from "./lib/widget-fleet.js";
import { pushBenchEnv, pushPageViews, sessionKeys, warmUp } from "./lib/widgets.js";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RSS growth per connected widget, after the process has settled; the widgets live in a fleet process. */
async function memoryPerWidget(root: string, child: Child, widgets: number): Promise<{ perWidget: number; fleet: WidgetFleet }> {
  await pause(1000);
  const before = await rssOf(child.child.pid!);
  const fleet = await startWidgetFleet(root, child.url, widgets, "rt-");
  await pause(1500);
  const after = await rssOf(child.child.pid!);
  return { perWidget: (after - before) / widgets, fleet };
}

/**
 * The server's event-loop delay since the previous scrape, in ms (prom-client's default metrics sample it
 * with monitorEventLoopDelay and reset the histogram on every scrape), so a scrape just before the measured
 * window and one just after bracket it.
 */
async function eventLoopDelay(url: string): Promise<{ p99: number; max: number } | undefined> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN) * 1000;
    return { p99: value("nodejs_eventloop_lag_p99_seconds"), max: value("nodejs_eventloop_lag_max_seconds") };
  } catch {
    return undefined;
  }
}

export async function run(opts: { smoke: boolean; root: string; profile?: boolean }): Promise<BenchResult> {
  const widgets = opts.smoke ? 200 : 1000;
  const durationS = opts.smoke ? 3 : 10;
  const actionsPerSecond = 500;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlight-rt-bench-"));
  try {
    const baseline = await startChild("bench/baseline/socketio-baseline.ts", {}, opts.root);
    const base = await memoryPerWidget(opts.root, baseline, widgets);
    await base.fleet.close();
    await baseline.stop();

    // Every action may produce a suggestion: no debounce, no cooldown, no cap, repeats allowed.
    const profileDir = path.join(opts.root, "artifacts", "profiles", "realtime");
    const server = await startChild(
      "server/main.ts",
      { ...pushBenchEnv(opts.root), DATABASE_PATH: path.join(dir, "bench.db") },
      opts.root,
      { nodeArgs: opts.profile ? profileArgs(profileDir, "realtime") : [] },
    );
    const ours = await memoryPerWidget(opts.root, server, widgets);
    // The measured widgets receive in a process of their own, away from the load generator's event loop and heap.
    const timing = ours.fleet;

    // Warm-up on other sessions, with widgets of their own that no clock watches: the server's code is compiled
    // and its caches warm before the clock starts; the measured sessions' first suggestions (their conversations)
    // are still measured. Five seconds: after two, V8 still optimised ~300 functions in the measured window, its
    // compiler threads busy for 25–30 % of the core in the first two seconds (13–15 % after a 5 s warm-up).
    await warmUp(server.url, server.url, { sessions: 200, perSecond: actionsPerSecond, seconds: opts.smoke ? 1 : 5 });
    await pause(500);
    await eventLoopDelay(server.url);
    // The load generator's own delay: it sends (and starts a push's clock) only when its event loop gets there.
    const ownDelay = monitorEventLoopDelay({ resolution: 1 });
    ownDelay.enable();
    const cpuBefore = cpuSeconds(server.child.pid);
    const started = performance.now();
    const { sent, failed } = await pushPageViews(server.url, sessionKeys("rt-", widgets), actionsPerSecond, durationS, timing.sent);
    const cpuAfter = cpuSeconds(server.child.pid);
    const wallS = (performance.now() - started) / 1000;
    ownDelay.disable();
    const lag = await eventLoopDelay(server.url);
    await pause(1000);
    await ours.fleet.close();
    await server.stop();

    const ratio = ours.perWidget / base.perWidget;
    return {
      name: "realtime",
      description: `${widgets} connected widgets, ${actionsPerSecond} actions/s for ${durationS} s, rules model, debounce 0`,
      rows: [
        { metric: "ingest → suggestion:created p50", value: percentile(timing.latencies, 50), unit: "ms" },
        { metric: "ingest → suggestion:created p99", value: percentile(timing.latencies, 99), unit: "ms" },
        { metric: "suggestions measured", value: timing.latencies.length, unit: "count" },
        { metric: "actions sent (non-202)", value: sent, unit: `count (${failed})` },
        // Steadier than the latencies on a shared machine: what each action costs the server, its evaluation,
        // delivery and acknowledgement included.
        ...(cpuBefore === undefined || cpuAfter === undefined || sent === 0
          ? []
          : [{ metric: "server CPU per action", value: ((cpuAfter - cpuBefore) / sent) * 1000, unit: "ms" }]),
        { metric: "memory per connected widget", value: ours.perWidget / 1024, unit: "KiB", baseline: base.perWidget / 1024, ratio, target: "ratio vs bare socket.io" },
      ],
      notes: [
        "latency: from just before the webhook POST (bench process) to the widget's suggestion:created (widgets in a process of their own), on the machine's monotonic clock; one outstanding trigger per session; measured after a warm-up on 200 other sessions",
        "memory: RSS growth after connecting the widgets; baseline = bare socket.io server with the same namespace",
        `server during the measured window: ${cpuBefore === undefined || cpuAfter === undefined ? "CPU n/a" : `${(((cpuAfter - cpuBefore) / wallS) * 100).toFixed(0)} % of a core busy`}` +
          `; event-loop delay p99 ${lag?.p99.toFixed(1) ?? "n/a"} ms, max ${lag?.max.toFixed(1) ?? "n/a"} ms (monitorEventLoopDelay via /metrics)`,
        `bench process (load generator) event-loop delay p99 ${(ownDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(ownDelay.max / 1e6).toFixed(1)} ms`,
        machine(),
        ...(opts.profile ? summariseProfiles(profileDir) : []),
      ],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Realtime bench: ingest → `suggestion:created` at the widget, with the rules model and no debounce,
 * 1,000 connected widgets and 500 actions/s pushed through the webhook; plus the server's memory per
 * connected widget against a bare Socket.IO server measured in the same run.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { io as connect, type Socket } from "socket.io-client";
import { startChild, type Child } from "./lib/child.js";
import { BENCH_ADMIN_TOKEN, BENCH_PUSH_SECRET, signedPush } from "./lib/payloads.js";
import type { BenchResult } from "./lib/report.js";
import { percentile, rssOf } from "./lib/stats.js";

const PRODUCT_KEY = "pk_bench_0123456789";
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function connectWidgets(url: string, count: number, origin: string): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, (_, k) => {
      const socket = connect(`${url}/widget`, {
        transports: ["websocket"],
        forceNew: true,
        reconnection: false,
        auth: { productKey: PRODUCT_KEY, sessionId: `rt-${i + k}` },
        extraHeaders: { origin },
      });
      return new Promise<Socket>((resolve, reject) => {
        socket.once("connect", () => resolve(socket));
        socket.once("connect_error", reject);
      });
    });
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

const PAGES = ["/settings/team", "/invoices", "/reports", "/settings/billing"];

/**
 * Pushes `perSecond` one-action payloads for `seconds`, in 10 ms ticks, round-robin over `sessions` (each
 * action a page view the rules model answers); `onSend` hears each session just before its request goes out.
 */
async function pushActions(url: string, sessions: readonly string[], perSecond: number, seconds: number, onSend?: (session: string) => void) {
  let sent = 0;
  let failed = 0;
  const started = performance.now();
  // Actions happen now (an old timestamp would make the session stale, and stale sessions get no suggestion).
  const epoch = Date.now() / 1000;
  const inFlight: Promise<void>[] = [];
  for (let tick = 0; performance.now() - started < seconds * 1000; tick++) {
    for (let k = 0; k < perSecond / 100; k++) {
      const n = sent++;
      const session = sessions[n % sessions.length]!;
      const body = JSON.stringify({
        type: "actions",
        session_id: session,
        actions: [{ type: "pageview", title: "Page Load", description: `User opened page ${n}`, canonical_url: PAGES[n % PAGES.length], timestamp_start: epoch + n * 0.001 }],
      });
      onSend?.(session);
      inFlight.push(
        fetch(`${url}/v1/webhooks/actions`, { method: "POST", ...signedPush(body) }).then(
          (r) => {
            if (r.status !== 202) failed++;
            return r.body?.cancel();
          },
          () => void failed++,
        ),
      );
    }
    await pause(Math.max(0, started + (tick + 1) * 10 - performance.now()));
  }
  await Promise.all(inFlight);
  return { sent, failed };
}

/** RSS growth per connected widget, after the process has settled. */
async function memoryPerWidget(child: Child, widgets: number): Promise<{ perWidget: number; sockets: Socket[] }> {
  await pause(1000);
  const before = await rssOf(child.child.pid!);
  const sockets = await connectWidgets(child.url, widgets, child.url);
  await pause(1500);
  const after = await rssOf(child.child.pid!);
  return { perWidget: (after - before) / widgets, sockets };
}

export async function run(opts: { smoke: boolean; root: string }): Promise<BenchResult> {
  const widgets = opts.smoke ? 200 : 1000;
  const durationS = opts.smoke ? 3 : 10;
  const actionsPerSecond = 500;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlight-rt-bench-"));
  try {
    const baseline = await startChild("bench/baseline/socketio-baseline.ts", {}, opts.root);
    const base = await memoryPerWidget(baseline, widgets);
    base.sockets.forEach((s) => s.close());
    await baseline.stop();

    const server = await startChild(
      "server/main.ts",
      {
        DATABASE_PATH: path.join(dir, "bench.db"),
        PUSH_SECRET: BENCH_PUSH_SECRET,
        PRODUCT_KEY,
        ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
        LOG_LEVEL: "info",
        NODE_ENV: "production",
        DEMO_ENABLED: "false",
        // The demo's golden paths, given to the default product as an operator would give its own.
        WORKFLOWS_PATH: path.join(opts.root, "workflows.example.json"),
        // Every action may produce a suggestion: no debounce, no cooldown, no cap, repeats allowed.
        SUGGEST_DEBOUNCE_MS: "0",
        SUGGEST_MAX_WAIT_MS: "0",
        GATE_COOLDOWN_MS: "0",
        GATE_INTERACTION_TIMEOUT_MS: "0",
        SUGGESTIONS_PER_HOUR: "1000",
        SUGGEST_REPEAT_WINDOW_MS: "0",
        RATE_LIMIT_PUBLIC_PER_MIN: "0",
        RATE_LIMIT_WEBHOOK_PER_MIN: "0",
      },
      opts.root,
    );
    const ours = await memoryPerWidget(server, widgets);

    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    ours.sockets.forEach((socket, i) => {
      socket.on("suggestion:created", (_s: unknown, ack?: (r: { ok: true }) => void) => {
        ack?.({ ok: true }); // as the widget does: the suggestion counts as delivered
        const t = sentAt.get(`rt-${i}`);
        if (t === undefined) return;
        latencies.push(performance.now() - t);
        sentAt.delete(`rt-${i}`);
      });
    });

    // Warm-up on other sessions (no widget measures them): the server's code is compiled and its caches warm
    // before the clock starts; the measured sessions' first suggestions (their conversations) are still measured.
    await pushActions(server.url, Array.from({ length: 200 }, (_, i) => `warm-${i}`), actionsPerSecond, opts.smoke ? 1 : 2);
    await pause(500);
    const { sent, failed } = await pushActions(server.url, Array.from({ length: widgets }, (_, i) => `rt-${i}`), actionsPerSecond, durationS, (session) => {
      if (!sentAt.has(session)) sentAt.set(session, performance.now());
    });
    await pause(1000);
    ours.sockets.forEach((s) => s.close());
    await server.stop();

    const ratio = ours.perWidget / base.perWidget;
    return {
      name: "realtime",
      description: `${widgets} connected widgets, ${actionsPerSecond} actions/s for ${durationS} s, rules model, debounce 0`,
      rows: [
        { metric: "ingest → suggestion:created p50", value: percentile(latencies, 50), unit: "ms" },
        { metric: "ingest → suggestion:created p99", value: percentile(latencies, 99), unit: "ms" },
        { metric: "suggestions measured", value: latencies.length, unit: "count" },
        { metric: "actions sent (non-202)", value: sent, unit: `count (${failed})` },
        { metric: "memory per connected widget", value: ours.perWidget / 1024, unit: "KiB", baseline: base.perWidget / 1024, ratio, target: "ratio vs bare socket.io" },
      ],
      notes: [
        "latency: from just before the webhook POST to the widget's suggestion:created, one outstanding trigger per session; measured after a warm-up on 200 other sessions",
        "memory: RSS growth after connecting the widgets; baseline = bare socket.io server with the same namespace",
      ],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

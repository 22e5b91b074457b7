/**
 * Widgets and page views for the push-latency benches (bench/realtime, bench/cluster): real socket.io
 * widgets of the bench product, one-action page views pushed through the signed webhook, and the time from
 * a session's push to its `suggestion:created`.
 */
import path from "node:path";
import { io as connect, type Socket } from "socket.io-client";
import { BENCH_ADMIN_TOKEN, BENCH_PUSH_SECRET, signedPush } from "./payloads.js";

export const BENCH_PRODUCT_KEY = "pk_bench_0123456789";
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `count` widgets of sessions `${sessionPrefix}0…`, connected 50 at a time. */
export async function connectWidgets(url: string, count: number, origin: string, sessionPrefix: string): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, (_, k) => {
      const socket = connect(`${url}/widget`, {
        transports: ["websocket"],
        forceNew: true,
        reconnection: false,
        auth: { productKey: BENCH_PRODUCT_KEY, sessionId: `${sessionPrefix}${i + k}` },
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

/**
 * Times each widget's next suggestion: `sent(session)` starts the clock for a session (the first push only,
 * until its suggestion arrives), its `suggestion:created` stops it. Widget i is session `${sessionPrefix}i`.
 */
export function timeSuggestions(sockets: Socket[], sessionPrefix: string): { latencies: number[]; sent: (session: string) => void } {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  sockets.forEach((socket, i) => {
    socket.on("suggestion:created", (_s: unknown, ack?: (r: { ok: true }) => void) => {
      ack?.({ ok: true }); // as the widget does: the suggestion counts as delivered
      const t = sentAt.get(`${sessionPrefix}${i}`);
      if (t === undefined) return;
      latencies.push(performance.now() - t);
      sentAt.delete(`${sessionPrefix}${i}`);
    });
  });
  return {
    latencies,
    sent: (session) => {
      if (!sentAt.has(session)) sentAt.set(session, performance.now());
    },
  };
}

const PAGES = ["/settings/team", "/invoices", "/reports", "/settings/billing"];

/**
 * Pushes `perSecond` one-action payloads for `seconds`, in 10 ms ticks, round-robin over `sessions` (each
 * action a page view the rules model answers); `onSend` hears each session just before its request goes out.
 */
export async function pushPageViews(url: string, sessions: readonly string[], perSecond: number, seconds: number, onSend?: (session: string) => void) {
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

/**
 * Runs the whole path a measured push takes — ingest, evaluation, a conversation's first link, delivery to a
 * widget and its acknowledgement — on sessions no measurement looks at, so that it is compiled and its caches
 * warm before the clock starts: `sessions` widgets of `${prefix}…` on `widgetUrl`, page views pushed to `pushUrl`
 * for `seconds`, then the widgets closed. Without widgets a warm-up never reaches delivery: a suggestion for a
 * session nobody watches is not offered.
 */
export async function warmUp(pushUrl: string, widgetUrl: string, o: { sessions: number; perSecond: number; seconds: number; prefix?: string }): Promise<void> {
  const prefix = o.prefix ?? "warm-";
  const sockets = await connectWidgets(widgetUrl, o.sessions, widgetUrl, prefix);
  try {
    // Acknowledged as a widget does, like the measured ones.
    timeSuggestions(sockets, prefix);
    await pushPageViews(pushUrl, sessionKeys(prefix, o.sessions), o.perSecond, o.seconds);
    await pause(500);
  } finally {
    sockets.forEach((s) => s.close());
  }
}

/** Sessions `${prefix}0` … `${prefix}${count - 1}`. */
export const sessionKeys = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

/**
 * The server settings both benches measure with: every action may produce a suggestion at once (no debounce,
 * no cooldown, no cap, repeats allowed), no rate limits, the demo's golden paths given to the default product
 * as an operator would give its own.
 */
export function pushBenchEnv(root: string): Record<string, string> {
  return {
    PUSH_SECRET: BENCH_PUSH_SECRET,
    PRODUCT_KEY: BENCH_PRODUCT_KEY,
    ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    LOG_LEVEL: "info",
    NODE_ENV: "production",
    DEMO_ENABLED: "false",
    WORKFLOWS_PATH: path.join(root, "workflows.example.json"),
    SUGGEST_DEBOUNCE_MS: "0",
    SUGGEST_MAX_WAIT_MS: "0",
    GATE_COOLDOWN_MS: "0",
    GATE_INTERACTION_TIMEOUT_MS: "0",
    SUGGESTIONS_PER_HOUR: "1000",
    SUGGEST_REPEAT_WINDOW_MS: "0",
    RATE_LIMIT_PUBLIC_PER_MIN: "0",
    RATE_LIMIT_WEBHOOK_PER_MIN: "0",
  };
}

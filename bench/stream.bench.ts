/**
 * Outbound fan-out: events/s delivered to 100 SSE subscribers of GET /v1/stream/demo while signed push
 * webhooks arrive as fast as 8 connections send them, compared with a raw SSE write loop (a bare http
 * server turning each POST body into a frame for 100 subscribers) measured in the same run.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { BENCH_ADMIN_TOKEN, BENCH_PUSH_SECRET, buildPushPayloads, type BenchRequest } from "./lib/payloads.js";
import { startChild } from "./lib/child.js";
import { runLoad } from "./lib/load.js";
import type { BenchResult } from "./lib/report.js";
import { cpuSeconds } from "./lib/stats.js";

const STREAM_TOKEN = "bench-stream-token-0123456789";
const SUBSCRIBERS = 100;


interface Counter {
  frames: number;
  lastAt: number;
}

/** Opens `n` SSE subscribers that count complete frames (blank-line terminated), minus the `retry:` preamble. */
async function subscribeAll(url: string, n: number): Promise<{ counters: Counter[]; close: () => void }> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const requests: http.ClientRequest[] = [];
  const counters = await Promise.all(
    Array.from({ length: n }, () => new Promise<Counter>((resolve, reject) => {
      const counter: Counter = { frames: -1, lastAt: 0 };
      const req = http.get(url, { agent, headers: { authorization: `Bearer ${STREAM_TOKEN}` } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`subscribe: HTTP ${res.statusCode}`));
        let lastByte = 0;
        res.on("data", (chunk: Buffer) => {
          // A frame ends at "\n\n"; the pair may straddle two chunks.
          if (lastByte === 10 && chunk[0] === 10) counter.frames++;
          for (let i = chunk.indexOf("\n\n"); i !== -1; i = chunk.indexOf("\n\n", i + 2)) counter.frames++;
          lastByte = chunk[chunk.length - 1]!;
          counter.lastAt = performance.now();
          if (counter.frames === 0) resolve(counter);
        });
      });
      req.on("error", reject);
      requests.push(req);
    })),
  );
  return { counters, close: () => requests.forEach((r) => r.destroy()) };
}

/** Resolves once every subscriber has the same count and nothing arrived for `quietMs`. */
async function settled(counters: Counter[], quietMs = 500): Promise<void> {
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    const newest = Math.max(...counters.map((c) => c.lastAt));
    const same = counters.every((c) => c.frames === counters[0]!.frames);
    if (same && performance.now() - newest > quietMs) return;
  }
}

async function measure(baseUrl: string, pid: number | undefined, payloads: readonly BenchRequest[], durationS: number) {
  const subs = await subscribeAll(`${baseUrl}/v1/stream/demo`, SUBSCRIBERS);
  let i = 0;
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  const load = await runLoad({
    url: `${baseUrl}/v1/webhooks/actions`,
    connections: 8,
    durationS,
    makeRequest: () => payloads[i++ % payloads.length]!,
  });
  const loadEnded = performance.now();
  await settled(subs.counters);
  const cpuAfter = cpuSeconds(pid);
  subs.close();
  const frames = subs.counters[0]!.frames;
  const lastAt = Math.max(...subs.counters.map((c) => c.lastAt));
  const seconds = (lastAt - started) / 1000;
  const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  return {
    eventsPerSecond: frames / seconds,
    frames,
    // Robust to a load generator that cannot saturate the server (and to neighbours on the machine).
    eventsPerCpuSecond: cpu ? frames / cpu : Number.NaN,
    cpuShare: cpu === undefined ? Number.NaN : cpu / ((performance.now() - started) / 1000),
    ingestPerSecond: load.requestsPerSecond,
    non2xx: load.non2xx + load.errors,
    drainMs: Math.max(0, lastAt - loadEnded),
  };
}

export async function run(opts: { smoke: boolean; root: string }): Promise<BenchResult> {
  const durationS = opts.smoke ? 2 : 10;
  const payloads = buildPushPayloads(opts.smoke ? 20_000 : 100_000, 3, 200);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlight-bench-"));
  try {
    const baseline = await startChild("bench/baseline/stream-baseline.ts", {}, opts.root);
    const base = await measure(baseline.url, baseline.child.pid, payloads, durationS);
    await baseline.stop();

    const server = await startChild(
      "server/main.ts",
      {
        DATABASE_PATH: path.join(dir, "bench.db"),
        PUSH_SECRET: BENCH_PUSH_SECRET,
        STREAM_TOKEN,
        ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
        STREAM_HEARTBEAT_MS: "600000",
        // The bench measures throughput, not the slow-subscriber cut-off.
        STREAM_BUFFER_BYTES: String(256 * 1024 * 1024),
        LOG_LEVEL: "info",
        NODE_ENV: "production",
        RATE_LIMIT_WEBHOOK_PER_MIN: "0",
      },
      opts.root,
    );
    const ours = await measure(server.url, server.child.pid, payloads, durationS);
    await server.stop();

    const ratio = ours.eventsPerSecond / base.eventsPerSecond;
    return {
      name: "stream",
      description: `outbound fan-out to ${SUBSCRIBERS} SSE subscribers while 8 connections push for ${durationS} s, loopback`,
      rows: [
        { metric: "events/s to every subscriber", value: ours.eventsPerSecond, unit: "events/s", baseline: base.eventsPerSecond, ratio },
        { metric: "frame deliveries/s", value: ours.eventsPerSecond * SUBSCRIBERS, unit: "frames/s", baseline: base.eventsPerSecond * SUBSCRIBERS, ratio },
        {
          metric: "events per server CPU-second",
          value: ours.eventsPerCpuSecond,
          unit: "events/CPU-s",
          baseline: base.eventsPerCpuSecond,
          ratio: ours.eventsPerCpuSecond / base.eventsPerCpuSecond,
        },
        { metric: "server CPU busy", value: ours.cpuShare * 100, unit: "%", baseline: base.cpuShare * 100 },
        { metric: "ingest requests/s meanwhile", value: ours.ingestPerSecond, unit: "req/s", baseline: base.ingestPerSecond },
        { metric: "drain after load stopped", value: ours.drainMs, unit: "ms", baseline: base.drainMs },
        { metric: "non-2xx + errors", value: ours.non2xx, unit: "count", baseline: base.non2xx },
      ],
      notes: [
        "baseline: bare node:http, each POST body written as one frame to 100 subscribers (no auth, parsing, SQLite or buffers)",
        `frames per subscriber: ours ${ours.frames}, baseline ${base.frames}; events/s = frames / (last frame − load start)`,
        "ours includes the whole ingest path (HMAC, zod, SQLite commit, event log); CPU-seconds from /proc (Linux)",
        "when 'server CPU busy' is well below 100 %, the load generator (same machine) bounds events/s, not the server",
      ],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

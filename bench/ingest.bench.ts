/**
 * Push ingestion throughput: signed 5-action payloads against POST /v1/webhooks/actions, compared with
 * bare express + zod + one SQLite insert measured in the same run (target ≥ 0.8×).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startChild } from "./lib/child.js";
import { runLoad } from "./lib/load.js";
import { BENCH_ADMIN_TOKEN, BENCH_PUSH_SECRET, buildPushPayloads, cycle } from "./lib/payloads.js";
import type { BenchResult } from "./lib/report.js";


export async function run(opts: { smoke: boolean; root: string }): Promise<BenchResult> {
  const durationS = opts.smoke ? 2 : 10;
  const connections = 16;
  const payloads = buildPushPayloads(opts.smoke ? 30_000 : 120_000, 5, 500);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlight-bench-"));
  try {
    const baseline = await startChild("bench/baseline/ingest-baseline.ts", {}, opts.root);
    const base = await runLoad({ url: `${baseline.url}/v1/webhooks/actions`, connections, durationS, makeRequest: cycle(payloads) });
    await baseline.stop();

    const server = await startChild(
      "server/main.ts",
      {
        DATABASE_PATH: path.join(dir, "bench.db"),
        PUSH_SECRET: BENCH_PUSH_SECRET,
        ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
        LOG_LEVEL: "info",
        NODE_ENV: "production",
        // The limiter runs (its cost is part of the figure) but one load generator must never hit it.
        // The limiter runs (as in production) but never refuses: the bench measures throughput.
        RATE_LIMIT_WEBHOOK_PER_MIN: "100000000",
      },
      opts.root,
    );
    const ours = await runLoad({ url: `${server.url}/v1/webhooks/actions`, connections, durationS, makeRequest: cycle(payloads) });
    await server.stop();

    const ratio = ours.requestsPerSecond / base.requestsPerSecond;
    return {
      name: "ingest",
      description: `push webhook, 5-action signed payloads, ${connections} connections, ${durationS} s each, loopback`,
      rows: [
        { metric: "requests/s", value: ours.requestsPerSecond, unit: "req/s", baseline: base.requestsPerSecond, ratio, target: "≥ 0.8×" },
        { metric: "actions/s", value: ours.requestsPerSecond * 5, unit: "actions/s", baseline: base.requestsPerSecond * 5, ratio },
        { metric: "latency p50", value: ours.latencyP50, unit: "ms", baseline: base.latencyP50 },
        { metric: "latency p99", value: ours.latencyP99, unit: "ms", baseline: base.latencyP99 },
        { metric: "non-2xx + errors", value: ours.non2xx + ours.errors, unit: "count", baseline: base.non2xx + base.errors },
      ],
      notes: ["baseline: bare express + express.json + zod + one SQLite insert per request (same pragmas)"],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

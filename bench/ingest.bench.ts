/**
 * Push ingestion throughput: signed 5-action payloads against POST /v1/webhooks/actions, compared with
 * bare express + zod + one SQLite insert measured in the same run (target ≥ 0.8×).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { signPilotlight } from "../server/ingest/push-signature.js";
import { startChild } from "./lib/child.js";
import { runLoad } from "./lib/load.js";
import type { BenchResult } from "./lib/report.js";

const SECRET = "bench-push-secret-0123456789";

/**
 * Signed 5-action payloads, unique per request (so none is a duplicate), built before the clock starts so
 * the load generator spends its CPU on sending, not on JSON and HMAC. Both servers get the same list.
 */
function buildPayloads(count: number): { body: string; headers: Record<string, string> }[] {
  const start = Date.now() / 1000;
  const t = Math.floor(start);
  return Array.from({ length: count }, (_, n) => {
    const session = `bench_s${n % 500}`;
    const actions = Array.from({ length: 5 }, (_, i) => ({
      index: i,
      type: i === 0 ? "pageview" : "click",
      title: i === 0 ? "Page Load: Invoices" : `Click 'Button ${i}' button`,
      description: i === 0 ? "User landed on the invoices page" : `User clicked the Button ${i} button on the Invoices page`,
      canonical_url: "https://app.example.com/invoices/:id",
      timestamp_start: start + n * 0.001 + i * 0.0001,
    }));
    const body = JSON.stringify({ type: "actions", product_id: "demo", session_id: session, forwarded_at: start + n, actions });
    return { body, headers: { "content-type": "application/json", "x-pilotlight-signature": signPilotlight(SECRET, body, t) } };
  });
}

function cycle<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length]!;
}

export async function run(opts: { smoke: boolean; root: string }): Promise<BenchResult> {
  const durationS = opts.smoke ? 2 : 10;
  const connections = 16;
  const payloads = buildPayloads(opts.smoke ? 30_000 : 120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlight-bench-"));
  try {
    const baseline = await startChild("bench/baseline/ingest-baseline.ts", {}, opts.root);
    const base = await runLoad({ url: `${baseline.url}/v1/webhooks/actions`, connections, durationS, makeRequest: cycle(payloads) });
    await baseline.stop();

    const server = await startChild(
      "server/main.ts",
      {
        DATABASE_PATH: path.join(dir, "bench.db"),
        PUSH_SECRET: SECRET,
        ADMIN_TOKEN: "bench-admin-token-0123456789",
        LOG_LEVEL: "info",
        NODE_ENV: "production",
        // The limiter runs (its cost is part of the figure) but one load generator must never hit it.
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

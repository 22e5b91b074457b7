/**
 * First-party capture throughput: 5-event batches against POST /v1/capture (origin check, extraction,
 * labelling, canonical URLs, ingest), compared with the push webhook carrying the same actions already
 * labelled — so the ratio is the cost of the raw-event pipeline and the capture edge (target ≥ 0.8×). Each
 * run has a fresh server of its own; 3 rounds, the order alternating.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BENCH_ADMIN_TOKEN, BENCH_PUSH_SECRET, cycle, signedPush, type BenchRequest } from "./lib/payloads.js";
import { rawEventsToPayload } from "../server/ingest/raw-events/build-payload.js";
import type { RawEvent } from "../server/ingest/raw-events/raw-event.schema.js";
import { startChild } from "./lib/child.js";
import { profileArgs, summariseProfiles } from "./lib/cpu-profile.js";
import { runLoad, type LoadResult } from "./lib/load.js";
import { median } from "./lib/stats.js";
import type { BenchResult } from "./lib/report.js";

const PRODUCT_KEY = "pk_bench_0123456789";
const ORIGIN = "https://bench.example.com";
const EVENTS = 5;

type Req = BenchRequest;

/** The same raw events go to capture as they are and to the push webhook labelled; built before the clock starts. */
function buildRequests(count: number): { capture: Req[]; push: Req[] } {
  const start = Date.now();
  const t = Math.floor(start / 1000);
  const capture: Req[] = [];
  const push: Req[] = [];
  for (let n = 0; n < count; n++) {
    const ts = start + n * 10;
    const url = `${ORIGIN}/invoices/${1000 + (n % 50)}`;
    const events: RawEvent[] = [
      { type: "pageview", ts, url, title: "Invoice · Acme Invoices" },
      { type: "click", ts: ts + 1, url, target: { tag: "button", text: "Send invoice", id: "send-invoice" } },
      { type: "change", ts: ts + 2, url, target: { tag: "input", input_type: "email", label: "Recipient email", form: "send-form" } },
      { type: "change", ts: ts + 3, url, target: { tag: "select", label: "Payment terms", name: "terms" } },
      { type: "submit", ts: ts + 4, url, target: { tag: "form", id: "send-form", submitter: "Send now" } },
    ];
    const captureSession = `bench_c${n % 500}`;
    capture.push({
      body: JSON.stringify({ product_key: PRODUCT_KEY, session_id: captureSession, events }),
      headers: { "content-type": "text/plain;charset=UTF-8", origin: ORIGIN },
    });
    const payload = rawEventsToPayload({ sessionId: `bench_p${n % 500}`, userId: null, email: null, forwardedAt: t, events });
    const body = JSON.stringify({ ...payload, product_id: "demo" });
    push.push(signedPush(body, t));
  }
  return { capture, push };
}

type Route = "push" | "capture";

export async function run(opts: { smoke: boolean; root: string; profile?: boolean }): Promise<BenchResult> {
  const durationS = opts.smoke ? 2 : 10;
  const rounds = opts.smoke ? 1 : 3;
  const connections = 16;
  const requests = buildRequests(opts.smoke ? 20_000 : 80_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlight-bench-"));
  const profileDir = path.join(opts.root, "artifacts", "profiles", "capture");
  const runs: Record<Route, LoadResult[]> = { push: [], capture: [] };

  /**
   * One route's run on a server of its own, started fresh: a run never inherits the other's after-work (the
   * evaluations and user-memory syncs its sessions still have due), which made capture, measured second on
   * the push run's server, look up to several times slower than it is.
   */
  async function measure(route: Route, round: number): Promise<LoadResult> {
    const server = await startChild(
      "server/main.ts",
      {
        DATABASE_PATH: path.join(dir, `${route}-${round}.db`),
        PUSH_SECRET: BENCH_PUSH_SECRET,
        PRODUCT_KEY,
        ALLOWED_ORIGINS: ORIGIN,
        ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
        LOG_LEVEL: "info",
        NODE_ENV: "production",
        // The benches measure throughput; the limiters are covered by their own tests.
        RATE_LIMIT_PUBLIC_PER_MIN: "0",
        RATE_LIMIT_WEBHOOK_PER_MIN: "0",
      },
      opts.root,
      { nodeArgs: opts.profile && round === 0 ? profileArgs(profileDir, route) : [] },
    );
    const url = route === "push" ? `${server.url}/v1/webhooks/actions` : `${server.url}/v1/capture`;
    const load = await runLoad({ url, connections, durationS, makeRequest: cycle(requests[route]) });
    await server.stop();
    return load;
  }

  try {
    for (let round = 0; round < rounds; round++) {
      // Alternate the order so drift on a shared machine does not favour one route.
      const order: Route[] = round % 2 === 0 ? ["push", "capture"] : ["capture", "push"];
      for (const route of order) runs[route].push(await measure(route, round));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const med = (route: Route, pick: (r: LoadResult) => number) => median(runs[route].map(pick));
  const ratio = median(runs.capture.map((r, i) => r.requestsPerSecond / runs.push[i]!.requestsPerSecond));
  const ours = (pick: (r: LoadResult) => number) => med("capture", pick);
  const base = (pick: (r: LoadResult) => number) => med("push", pick);
  const rps = (r: LoadResult) => r.requestsPerSecond;
  return {
    name: "capture",
    description: `POST /v1/capture, ${EVENTS}-event text/plain batches vs the push webhook with the same actions pre-labelled, ${connections} connections, ${durationS} s each`,
    rows: [
      { metric: "requests/s", value: ours(rps), unit: "req/s", baseline: base(rps), ratio, target: "≥ 0.8×" },
      { metric: "events/s", value: ours(rps) * EVENTS, unit: "events/s", baseline: base(rps) * EVENTS, ratio },
      { metric: "latency p50", value: ours((r) => r.latencyP50), unit: "ms", baseline: base((r) => r.latencyP50) },
      { metric: "latency p99", value: ours((r) => r.latencyP99), unit: "ms", baseline: base((r) => r.latencyP99) },
      {
        metric: "non-2xx + errors",
        value: runs.capture.reduce((n, r) => n + r.non2xx + r.errors, 0),
        unit: "count",
        baseline: runs.push.reduce((n, r) => n + r.non2xx + r.errors, 0),
      },
    ],
    notes: [
      "baseline: the push webhook, same actions already labelled (HMAC-signed)",
      `${rounds} round(s) alternating, every server fresh (one per run); medians of rounds, the ratio the median of per-round ratios`,
      `per-round req/s — push ${runs.push.map((r) => rps(r).toFixed(0)).join(", ")}; capture ${runs.capture.map((r) => rps(r).toFixed(0)).join(", ")}`,
      ...(opts.profile ? summariseProfiles(profileDir) : []),
    ],
  };
}

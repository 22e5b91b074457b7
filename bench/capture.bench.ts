/**
 * First-party capture throughput: 5-event batches against POST /v1/capture (origin check, extraction,
 * labelling, canonical URLs, ingest), compared in the same server process with the push webhook carrying
 * the same actions already labelled — so the ratio is the cost of the raw-event pipeline and the
 * capture edge (target ≥ 0.8×).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BENCH_ADMIN_TOKEN, BENCH_PUSH_SECRET, cycle, signedPush, type BenchRequest } from "./lib/payloads.js";
import { rawEventsToPayload } from "../server/ingest/raw-events/build-payload.js";
import type { RawEvent } from "../server/ingest/raw-events/raw-event.schema.js";
import { startChild } from "./lib/child.js";
import { profileArgs, summariseProfiles } from "./lib/cpu-profile.js";
import { runLoad } from "./lib/load.js";
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

export async function run(opts: { smoke: boolean; root: string; profile?: boolean }): Promise<BenchResult> {
  const durationS = opts.smoke ? 2 : 10;
  const connections = 16;
  const { capture, push } = buildRequests(opts.smoke ? 20_000 : 80_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlight-bench-"));
  // One server serves both runs, so its profile holds both routes (their handlers tell them apart).
  const profileDir = path.join(opts.root, "artifacts", "profiles", "capture");
  try {
    const server = await startChild(
      "server/main.ts",
      {
        DATABASE_PATH: path.join(dir, "bench.db"),
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
      { nodeArgs: opts.profile ? profileArgs(profileDir, "capture") : [] },
    );
    const base = await runLoad({ url: `${server.url}/v1/webhooks/actions`, connections, durationS, makeRequest: cycle(push) });
    const ours = await runLoad({ url: `${server.url}/v1/capture`, connections, durationS, makeRequest: cycle(capture) });
    await server.stop();
    const ratio = ours.requestsPerSecond / base.requestsPerSecond;
    return {
      name: "capture",
      description: `POST /v1/capture, ${EVENTS}-event text/plain batches vs the push webhook with the same actions pre-labelled, ${connections} connections, ${durationS} s each`,
      rows: [
        { metric: "requests/s", value: ours.requestsPerSecond, unit: "req/s", baseline: base.requestsPerSecond, ratio, target: "≥ 0.8×" },
        { metric: "events/s", value: ours.requestsPerSecond * EVENTS, unit: "events/s", baseline: base.requestsPerSecond * EVENTS, ratio },
        { metric: "latency p50", value: ours.latencyP50, unit: "ms", baseline: base.latencyP50 },
        { metric: "latency p99", value: ours.latencyP99, unit: "ms", baseline: base.latencyP99 },
        { metric: "non-2xx + errors", value: ours.non2xx + ours.errors, unit: "count", baseline: base.non2xx + base.errors },
      ],
      notes: [
        "baseline: the push webhook of the same server, same actions already labelled (HMAC-signed)",
        ...(opts.profile ? summariseProfiles(profileDir) : []),
      ],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Push ingestion throughput: unique signed 5-action payloads against POST /v1/webhooks/actions with the
 * default configuration (suggestions on, rules model), compared with an express receiver that verifies,
 * parses and stores nothing, measured in the same run. Two cases: sessions from a pool of 500, and a new
 * session per request. 3 rounds, the order alternating, every server started fresh; the ratios are the
 * medians of the per-round ratios. After each Pilotlight run the database is read back: every 2xx must
 * be there.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { startChild, type Child } from "./lib/child.js";
import { profileArgs, summariseProfiles } from "./lib/cpu-profile.js";
import { runLoad, type LoadResult } from "./lib/load.js";
import { BENCH_ADMIN_TOKEN, BENCH_PUSH_SECRET, pushRequestSource } from "./lib/payloads.js";
import type { BenchResult, BenchRow } from "./lib/report.js";
import { cpuSeconds, machine, median } from "./lib/stats.js";

const ACTIONS = 5;
const POOL = 500;

type CaseName = "baseline" | "pool" | "new-session";

interface CaseRun {
  load: LoadResult;
  /**
   * The server's CPU time per answered request, µs (from /proc; undefined elsewhere). Steadier than req/s on a
   * shared machine, whose speed moves between runs: what a change saves shows here first.
   */
  cpuPerRequestUs?: number;
  /** Actions found in the database afterwards (Pilotlight runs only). */
  stored?: number;
}

export async function run(opts: { smoke: boolean; root: string; profile?: boolean }): Promise<BenchResult> {
  const durationS = opts.smoke ? 2 : 10;
  const rounds = opts.smoke ? 1 : 3;
  const connections = 50;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlight-bench-"));
  const profileDir = path.join(opts.root, "artifacts", "profiles", "ingest");
  const runs: Record<CaseName, CaseRun[]> = { baseline: [], pool: [], "new-session": [] };

  /** Runs the load against a started server, reads its CPU time around it, and stops it. */
  async function loadWithCpu(child: Child, makeRequest: ReturnType<typeof pushRequestSource>): Promise<Omit<CaseRun, "stored">> {
    const before = cpuSeconds(child.child.pid);
    const load = await runLoad({ url: `${child.url}/v1/webhooks/actions`, connections, durationS, makeRequest });
    const after = cpuSeconds(child.child.pid);
    await child.stop();
    const answered = load.ok + load.non2xx;
    return before === undefined || after === undefined || answered === 0 ? { load } : { load, cpuPerRequestUs: ((after - before) / answered) * 1e6 };
  }

  async function measure(name: CaseName, round: number): Promise<CaseRun> {
    const sessions = name === "new-session" ? "unique" : POOL;
    const makeRequest = pushRequestSource({ actionsPerPayload: ACTIONS, sessions });
    if (name === "baseline") {
      const child = await startChild("bench/baseline/express-receiver.ts", { PUSH_SECRET: BENCH_PUSH_SECRET, NODE_ENV: "production" }, opts.root);
      return loadWithCpu(child, makeRequest);
    }
    const database = path.join(dir, `${name}-${round}.db`);
    const child = await startChild(
      "server/main.ts",
      {
        DATABASE_PATH: database,
        PUSH_SECRET: BENCH_PUSH_SECRET,
        ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
        LOG_LEVEL: "info",
        NODE_ENV: "production",
        DEMO_ENABLED: "false",
        // The limiter runs (its cost is part of the figure) but one load generator must never hit it.
        RATE_LIMIT_WEBHOOK_PER_MIN: "100000000",
      },
      opts.root,
      { nodeArgs: opts.profile && round === 0 ? profileArgs(profileDir, name) : [] },
    );
    const measured = await loadWithCpu(child, makeRequest);
    const db = new Database(database, { readonly: true });
    const stored = (db.prepare("SELECT count(*) AS n FROM actions").get() as { n: number }).n;
    db.close();
    return { ...measured, stored };
  }

  try {
    const order: CaseName[] = ["baseline", "pool", "new-session"];
    for (let round = 0; round < rounds; round++) {
      // Alternate the order so drift on a shared machine (thermal, neighbours) does not favour one case.
      for (const name of round % 2 === 0 ? order : [...order].reverse()) runs[name].push(await measure(name, round));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const rps = (name: CaseName) => median(runs[name].map((r) => r.load.requestsPerSecond));
  const p99 = (name: CaseName) => median(runs[name].map((r) => r.load.latencyP99));
  const ratio = (name: CaseName) => median(runs[name].map((r, i) => r.load.requestsPerSecond / runs.baseline[i]!.load.requestsPerSecond));
  const p99Ratio = (name: CaseName) => median(runs[name].map((r, i) => r.load.latencyP99 / Math.max(runs.baseline[i]!.load.latencyP99, 1)));
  const cpus = (name: CaseName) => runs[name].map((r) => r.cpuPerRequestUs).filter((v): v is number => v !== undefined);
  const cpu = (name: CaseName) => median(cpus(name));
  const cpuRatio = (name: CaseName) =>
    median(runs[name].flatMap((r, i) => (r.cpuPerRequestUs && runs.baseline[i]!.cpuPerRequestUs ? [r.cpuPerRequestUs / runs.baseline[i]!.cpuPerRequestUs!] : [])));
  const failures = (name: CaseName) => runs[name].reduce((n, r) => n + r.load.non2xx + r.load.errors, 0);
  // Every 2xx promised ACTIONS new actions; requests still in flight when the load stopped may add more.
  const missing = (name: CaseName) => runs[name].reduce((n, r) => n + Math.max(0, r.load.ok * ACTIONS - (r.stored ?? 0)), 0);

  const rows: BenchRow[] = [{ metric: "baseline: express, verify + parse, no storage", value: rps("baseline"), unit: "req/s" }];
  if (cpus("baseline").length > 0) rows.push({ metric: "baseline: server CPU per request", value: cpu("baseline"), unit: "µs" });
  for (const [name, label, target] of [
    ["pool", `defaults, sessions from a pool of ${POOL}`, "≥ 1.0× (aim 1.5×)"],
    ["new-session", "defaults, a new session per request", "≥ 0.8×"],
  ] as const) {
    rows.push(
      { metric: `${label}: requests/s`, value: rps(name), unit: "req/s", baseline: rps("baseline"), ratio: ratio(name), target },
      { metric: `${label}: latency p99`, value: p99(name), unit: "ms", baseline: p99("baseline"), ratio: p99Ratio(name), target: "≤ 3×" },
      ...(cpus(name).length > 0 ? [{ metric: `${label}: server CPU per request`, value: cpu(name), unit: "µs", baseline: cpu("baseline"), ratio: cpuRatio(name) }] : []),
      { metric: `${label}: non-2xx + errors`, value: failures(name), unit: "count", target: "0" },
      { metric: `${label}: 2xx actions not in the database`, value: missing(name), unit: "actions", target: "0" },
    );
  }
  const notes = [
    `${connections} connections, ${durationS} s per run, ${rounds} round(s) alternating, every server fresh; medians of rounds`,
    `per-round req/s — baseline ${runs.baseline.map((r) => r.load.requestsPerSecond.toFixed(0)).join(", ")}; pool ${runs.pool.map((r) => r.load.requestsPerSecond.toFixed(0)).join(", ")}; new session ${runs["new-session"].map((r) => r.load.requestsPerSecond.toFixed(0)).join(", ")}`,
    "servers run from built JS (node --enable-source-maps dist/…, NODE_ENV=production) on their own core; autocannon on another",
    machine(),
  ];
  if (opts.profile) notes.push(...summariseProfiles(profileDir));
  return {
    name: "ingest",
    description: `push webhook, unique signed ${ACTIONS}-action payloads, suggestions on (rules), ${connections} connections, loopback`,
    rows,
    notes,
  };
}

/**
 * Server mode against the embedded default, in one run: push-ingest throughput and widget push latency
 * (webhook POST → `suggestion:created` at the widget) for
 *   - SQLite, one instance, in-process coordination (the baseline: `npm start`),
 *   - PostgreSQL, one instance, in-process coordination (no Redis): what the storage adapter costs alone,
 *   - PostgreSQL + Redis, one instance,
 *   - PostgreSQL + Redis, two instances: load split over both; widgets on the first, actions pushed to the
 *     second, so every suggestion crosses instances (evaluated on B, offered through the Redis adapter).
 * Every PostgreSQL case gets a fresh database (dropped after) and its own Redis key prefix. After each case
 * the database is read back: every 2xx must be there. Needs the machine's PostgreSQL and Redis
 * (PILOTLIGHT_TEST_DATABASE_URL, PILOTLIGHT_TEST_REDIS_URL as for the tests).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { dropPrefix, TEST_REDIS_URL, testRedis } from "../test/redis/redis-env.js";
import { canPin, startChild, type Child } from "./lib/child.js";
import { runLoad, type LoadResult } from "./lib/load.js";
import { pushRequestSource } from "./lib/payloads.js";
import type { BenchResult, BenchRow } from "./lib/report.js";
import { machine, percentile } from "./lib/stats.js";
import { startWidgetFleet, type WidgetFleet } from "./lib/widget-fleet.js";
import { pushBenchEnv, pushPageViews, sessionKeys, warmUp } from "./lib/widgets.js";

const ADMIN_DATABASE_URL = process.env.PILOTLIGHT_TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const REDIS_URL = TEST_REDIS_URL;
const ACTIONS = 5;
const POOL = 500;
/** Actions of the ingest load's sessions (the latency phase's sessions are `cw-…`). */
const INGEST_ACTIONS_SQL = "SELECT count(*) AS n FROM actions a JOIN sessions s ON s.id = a.session_ref WHERE s.session_key LIKE 'bench_s%'";
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

type CaseName = "sqlite-1" | "pg-1-local" | "pg-1" | "pg-2";
const CASES: readonly CaseName[] = ["sqlite-1", "pg-1-local", "pg-1", "pg-2"];

interface CaseResult {
  ingest: LoadResult;
  stored: number;
  latencies: number[];
  pushed: number;
  pushFailures: number;
}

async function createDatabase(): Promise<{ url: string; drop: () => Promise<void>; count: () => Promise<number> }> {
  const name = `pl_bench_${crypto.randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async count() {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      const n = Number((await c.query<{ n: string }>(INGEST_ACTIONS_SQL)).rows[0]!.n);
      await c.end();
      return n;
    },
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Deletes the case's Redis keys. */
async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = testRedis();
  await dropPrefix(redis, prefix);
  await redis.quit();
}

/**
 * One-action page views, `perSecond` for `seconds`, round-robin over the widgets' sessions, each timed until its
 * suggestion arrives (the widgets in a process of their own, as in bench/realtime).
 */
async function measurePushLatency(pushUrl: string, fleet: WidgetFleet, widgets: number, perSecond: number, seconds: number) {
  const { sent, failed } = await pushPageViews(pushUrl, sessionKeys("cw-", widgets), perSecond, seconds, fleet.sent);
  await pause(1000);
  return { latencies: fleet.latencies, sent, failed };
}

export async function run(opts: { smoke: boolean; root: string }): Promise<BenchResult> {
  const ingestS = opts.smoke ? 2 : 8;
  const latencyS = opts.smoke ? 2 : 8;
  const widgets = opts.smoke ? 50 : 200;
  const pushesPerSecond = 200;
  const connections = 40;
  // Every action may produce a suggestion at once (as bench/realtime): no debounce, cooldown or cap.
  const serverEnv = pushBenchEnv(opts.root);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlight-cluster-bench-"));
  const results = {} as Record<CaseName, CaseResult>;

  async function measure(name: CaseName): Promise<CaseResult> {
    const instances = name === "pg-2" ? 2 : 1;
    const db = name === "sqlite-1" ? undefined : await createDatabase();
    const prefix = `plbench:${crypto.randomBytes(5).toString("hex")}:`;
    const sqlitePath = path.join(dir, `${name}.db`);
    const env = !db
      ? { ...serverEnv, DATABASE_PATH: sqlitePath }
      : name === "pg-1-local"
        ? { ...serverEnv, DATABASE_URL: db.url }
        : { ...serverEnv, DATABASE_URL: db.url, REDIS_URL, REDIS_KEY_PREFIX: prefix };
    const children: Child[] = [];
    try {
      // One after the other: the first start migrates and creates the product.
      for (let i = 0; i < instances; i++) children.push(await startChild("server/main.ts", { ...env, INSTANCE_ID: `${name}-${i}` }, opts.root));
      // Push latency: widgets on the first instance, actions to the last (the other one when there are two).
      const widgetHost = children[0]!;
      const pushHost = children.at(-1)!;
      const fleet = await startWidgetFleet(opts.root, widgetHost.url, widgets, "cw-");
      // Warm-up on sessions whose widgets no clock watches (code compiled, pools and caches filled), as bench/realtime.
      for (const c of children) await warmUp(c.url, widgetHost.url, { sessions: widgets, perSecond: pushesPerSecond, seconds: 1 });
      const latency = await measurePushLatency(pushHost.url, fleet, widgets, pushesPerSecond, latencyS);
      await fleet.close();
      // The evaluations of the ingest load below must not queue behind these, nor these behind them.
      await pause(1000);
      // Ingest: the connections split over the instances, as a round-robin proxy would.
      const makeRequest = pushRequestSource({ actionsPerPayload: ACTIONS, sessions: POOL });
      const loads = await Promise.all(
        children.map((c) => runLoad({ url: `${c.url}/v1/webhooks/actions`, connections: Math.ceil(connections / instances), durationS: ingestS, makeRequest })),
      );
      const ingest: LoadResult = {
        requestsPerSecond: loads.reduce((n, l) => n + l.requestsPerSecond, 0),
        total: loads.reduce((n, l) => n + l.total, 0),
        ok: loads.reduce((n, l) => n + l.ok, 0),
        non2xx: loads.reduce((n, l) => n + l.non2xx, 0),
        errors: loads.reduce((n, l) => n + l.errors, 0),
        latencyP50: Math.max(...loads.map((l) => l.latencyP50)),
        latencyP99: Math.max(...loads.map((l) => l.latencyP99)),
        latencyMax: Math.max(...loads.map((l) => l.latencyMax)),
      };
      await pause(1500); // commits of requests cut off by the load's end settle
      const stored = db ? await db.count() : (() => {
        const sqlite = new Database(sqlitePath, { readonly: true });
        const n = (sqlite.prepare(INGEST_ACTIONS_SQL).get() as { n: number }).n;
        sqlite.close();
        return n;
      })();

      return { ingest, stored, latencies: latency.latencies, pushed: latency.sent, pushFailures: latency.failed };
    } finally {
      await Promise.all(children.map((c) => c.stop()));
      if (db) {
        await db.drop();
        await dropRedisPrefix(prefix);
      }
    }
  }

  try {
    for (const name of CASES) results[name] = await measure(name);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const base = results["sqlite-1"];
  const rows: BenchRow[] = [];
  const labels: Record<CaseName, string> = {
    "sqlite-1": "SQLite, 1 instance",
    "pg-1-local": "PostgreSQL, no Redis, 1 instance",
    "pg-1": "PostgreSQL + Redis, 1 instance",
    "pg-2": "PostgreSQL + Redis, 2 instances",
  };
  for (const name of CASES) {
    const r = results[name];
    const isBase = name === "sqlite-1";
    const p50 = percentile(r.latencies, 50);
    const p99 = percentile(r.latencies, 99);
    rows.push(
      {
        metric: `${labels[name]}: ingest requests/s`,
        value: r.ingest.requestsPerSecond,
        unit: "req/s",
        ...(isBase ? {} : { baseline: base.ingest.requestsPerSecond, ratio: r.ingest.requestsPerSecond / base.ingest.requestsPerSecond }),
      },
      { metric: `${labels[name]}: ingest non-2xx + errors`, value: r.ingest.non2xx + r.ingest.errors, unit: "count", target: "0" },
      { metric: `${labels[name]}: 2xx actions not in the database`, value: Math.max(0, r.ingest.ok * ACTIONS - r.stored), unit: "actions", target: "0" },
      {
        metric: `${labels[name]}: push → suggestion:created p50`,
        value: p50,
        unit: "ms",
        ...(isBase ? {} : { baseline: percentile(base.latencies, 50), ratio: p50 / Math.max(percentile(base.latencies, 50), 0.001) }),
      },
      {
        metric: `${labels[name]}: push → suggestion:created p99`,
        value: p99,
        unit: "ms",
        ...(isBase ? {} : { baseline: percentile(base.latencies, 99), ratio: p99 / Math.max(percentile(base.latencies, 99), 0.001) }),
      },
      { metric: `${labels[name]}: suggestions measured (pushes, non-202)`, value: r.latencies.length, unit: `count (${r.pushed}, ${r.pushFailures})` },
    );
  }
  return {
    name: "cluster",
    description: `server mode vs SQLite: ${ACTIONS}-action pushes over ${POOL} sessions (${connections} connections, ${ingestS} s), then ${pushesPerSecond} page views/s to ${widgets} widgets' sessions (${latencyS} s)`,
    rows,
    notes: [
      "ratios: against SQLite with one instance, measured in the same run (req/s: higher is better; latency: lower is better)",
      "each case: first push latency (widgets connected, 200 page views/s), then ingest throughput, on the same fresh server(s)",
      "two instances: ingest load split over both; widgets on the first, pushes to the second, so each suggestion is evaluated on one instance and offered to a widget on the other through Redis",
      canPin
        ? "every server runs on the one core reserved for servers (bench/lib/child.ts) — two instances share it — and PostgreSQL and Redis run unpinned beside the load generator: this shows the cost of server mode, not scaling"
        : "servers are not pinned (no taskset or one core): every process shares the machine",
      "suggestions on, rules model, debounce 0 (every action evaluated), as bench/realtime",
      machine(),
    ],
  };
}

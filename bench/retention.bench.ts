/**
 * Ingestion while the retention job purges: the same signed push load against two servers started on
 * copies of one database full of expired sessions — one with retention off (baseline), one whose first
 * purge starts a second after start, during the load. Shows what a purge costs ingestion (target: p99
 * within 2× of the baseline, no errors).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openStore } from "../db/open-store.js";
import { loadConfig } from "../server/config.js";
import { createIngestService } from "../server/ingest/ingest-event.js";
import { parseAutoplayEvent } from "../server/ingest/parse-event.js";
import { createSilentLogger } from "../server/logger.js";
import { resolvePaths } from "../server/paths.js";
import { bootstrapInstance } from "../server/products/bootstrap-instance.js";
import { startChild } from "./lib/child.js";
import { runLoad } from "./lib/load.js";
import { BENCH_ADMIN_TOKEN, BENCH_PUSH_SECRET, buildPushPayloads } from "./lib/payloads.js";
import type { BenchResult } from "./lib/report.js";

const DAY = 86_400_000;

/** Seeds `sessions` sessions of `perSession` actions, last seen 60 days ago, through the real ingest use case. */
async function seed(file: string, root: string, sessions: number, perSession: number): Promise<void> {
  const { store: repos } = await openStore({ DATABASE_PATH: file }, createSilentLogger(), resolvePaths(root).migrationsDir);
  const clock = { now: () => Date.now() - 60 * DAY };
  await bootstrapInstance({ config: loadConfig({ PUSH_SECRET: BENCH_PUSH_SECRET, ADMIN_TOKEN: BENCH_ADMIN_TOKEN }), repos, clock });
  const ingest = createIngestService({ repos, clock, logger: createSilentLogger(), maxClockSkewMs: 300_000 });
  for (let s = 0; s < sessions; s++) {
    const parsed = parseAutoplayEvent({
      type: "actions",
      session_id: `expired-${s}`,
      actions: Array.from({ length: perSession }, (_, i) => ({ title: `a${i}`, description: `old action ${i}`, canonical_url: "/old/:id", timestamp_start: i + 1 })),
    });
    if (!parsed.ok) throw new Error("seed payload does not parse");
    await ingest.ingest("demo", parsed.value, "push");
  }
  await repos.close();
}

const payloads = (count: number) => buildPushPayloads(count, 1, 300);

async function scrapeValue(url: string, line: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(line.exec(text)?.[1] ?? 0);
}

export async function run(opts: { smoke: boolean; root: string }): Promise<BenchResult> {
  const sessions = opts.smoke ? 400 : 4000;
  const perSession = 50;
  const durationS = opts.smoke ? 3 : 10;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlight-bench-retention-"));
  try {
    const seeded = path.join(dir, "seeded.db");
    await seed(seeded, opts.root, sessions, perSession);
    const list = payloads(opts.smoke ? 20_000 : 80_000);
    let i = 0;
    const next = () => list[i++ % list.length]!;

    const measure = async (name: string, env: Record<string, string>) => {
      const file = path.join(dir, `${name}.db`);
      fs.copyFileSync(seeded, file);
      const child = await startChild(
        "server/main.ts",
        { DATABASE_PATH: file, PUSH_SECRET: BENCH_PUSH_SECRET, ADMIN_TOKEN: BENCH_ADMIN_TOKEN, LOG_LEVEL: "info", NODE_ENV: "production", RATE_LIMIT_WEBHOOK_PER_MIN: "0", ...env },
        opts.root,
      );
      const load = await runLoad({ url: `${child.url}/v1/webhooks/actions`, connections: 8, durationS, makeRequest: next });
      const deleted = await scrapeValue(child.url, /^pilotlight_retention_deleted_rows_total\{table="actions"\} (\d+)/m);
      await child.stop();
      return { load, deleted };
    };

    const base = await measure("off", { RETENTION_DAYS: "0" });
    const purge = await measure("purging", { RETENTION_DAYS: "30", RETENTION_INTERVAL_MS: "1000", RETENTION_BATCH_SIZE: "500" });
    return {
      name: "retention",
      description: `push ingestion while ${sessions * perSession} expired actions are purged (batches of 500), 8 connections, ${durationS} s`,
      rows: [
        { metric: "requests/s", value: purge.load.requestsPerSecond, unit: "req/s", baseline: base.load.requestsPerSecond, ratio: purge.load.requestsPerSecond / base.load.requestsPerSecond },
        { metric: "latency p99", value: purge.load.latencyP99, unit: "ms", baseline: base.load.latencyP99, ratio: purge.load.latencyP99 / Math.max(base.load.latencyP99, 1), target: "≤ 2×" },
        { metric: "latency max", value: purge.load.latencyMax, unit: "ms", baseline: base.load.latencyMax },
        { metric: "non-2xx + errors", value: purge.load.non2xx + purge.load.errors, unit: "count", baseline: base.load.non2xx + base.load.errors, target: "0" },
        { metric: "actions purged during the load", value: purge.deleted, unit: "rows", baseline: base.deleted, target: `${sessions * perSession}` },
      ],
      notes: ["baseline: the same server and data with RETENTION_DAYS=0 (no purge)"],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `npm run soak [-- --duration 60]`: a bounded soak of a real server process (default 3 minutes). Every
 * source at once — signed pushes, capture batches, PostHog deliveries, a connector stream from a local
 * upstream that drops the connection now and then — with chatting widgets (the LLM a local OpenAI-compatible
 * server that fails for a few seconds every half minute), outbound-stream readers, and hostile traffic
 * (random long product keys, nested and malformed bodies with bad secrets, oversize bodies, month-fast
 * clocks, prompt-injection text, made-up handshakes, a flooding socket).
 *
 * Prints RSS and event-loop delay p99 (from the server's /metrics) over time, the answers by driver, the 5xx
 * count, and acknowledged-vs-stored actions per source (SQLite opened read-only after the run). Exits
 * non-zero on any 5xx, any acknowledged action missing, any event the connector lost, any failure a driver
 * saw (a dropped socket, a gap in a synced thread), an error logged by the server, or an unclean stop.
 */
import { spawn } from "node:child_process";
import { setMaxListeners } from "node:events";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { parseSamples } from "../test/helpers/metrics-text.js";
import { startFakeOpenAI } from "../test/helpers/fake-openai.js";
import { startHttpDrivers, startStreamReaders, type SoakTarget } from "./soak/http-drivers.js";
import { Tally } from "./soak/tally.js";
import { startUpstream } from "./soak/upstream.js";
import { startWidgets } from "./soak/widgets.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
};
const durationS = arg("duration", 180);
const sampleS = arg("sample", Math.min(10, Math.max(2, Math.round(durationS / 12))));
const SESSIONS = 12;

const secrets = { push: "soak-push-secret-0123456789", posthog: "soak-posthog-secret-0123456789", productKey: "pk_soak_0123456789", stream: "soak-stream-token-0123456789" };
const ORIGIN = "https://soak.example.com";

/** Starts server/main.ts (as `npm start` would, through tsx) on a free port and waits for /healthz. */
async function startServer(env: Record<string, string>) {
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", HOST: "127.0.0.1", PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before answering`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 300) throw new Error("the server did not answer /healthz within 30 s");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, url };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pilotlight-soak-"));
const databasePath = path.join(dir, "pilotlight.db");
const fake = await startFakeOpenAI({ default: { kind: "reply", text: "Open Settings → Team, then press Invite.", delayMs: 30 } });
const chaos = setInterval(() => {
  fake.setDefault({ kind: "error", status: 500, message: "soak outage" });
  setTimeout(() => fake.setDefault({ kind: "reply", text: "Open Settings → Team, then press Invite.", delayMs: 30 }), 5_000).unref();
}, 30_000);
const upstream = await startUpstream({ everyMs: 100, dropEveryMs: 20_000, heartbeatMs: 1_000 });

const server = await startServer({
  NODE_ENV: "production",
  LOG_LEVEL: "warn",
  DATABASE_PATH: databasePath,
  DEMO_ENABLED: "false",
  ADMIN_TOKEN: "soak-admin-token-0123456789",
  PUSH_SECRET: secrets.push,
  POSTHOG_SECRET: secrets.posthog,
  PRODUCT_KEY: secrets.productKey,
  STREAM_TOKEN: secrets.stream,
  ALLOWED_ORIGINS: ORIGIN,
  OPENAI_BASE_URL: fake.url,
  LLM_TIMEOUT_MS: "2000",
  LLM_MAX_RETRIES: "0",
  BREAKER_COOLDOWN_MS: "3000",
  CONNECTOR_URL: upstream.url,
  CONNECTOR_TOKEN: upstream.token,
  CONNECTOR_HEARTBEAT_MS: "1000",
  CONNECTOR_BACKOFF_BASE_MS: "100",
  CONNECTOR_BACKOFF_MAX_MS: "1000",
  ...(process.env.SOAK_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SOAK_NODE_OPTIONS } : {}),
});
const serverErrors: string[] = [];
let pending = "";
server.child.stdout!.on("data", (d: Buffer) => {
  const lines = (pending + d.toString()).split("\n");
  pending = lines.pop() ?? "";
  for (const line of lines) if (/"level":(50|60)/.test(line)) serverErrors.push(line.slice(0, 500));
});
const exited = new Promise<number | string>((resolve) => server.child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));

const target: SoakTarget = { url: server.url, secrets, origin: ORIGIN };
const tally = new Tally();

interface Sample {
  t: number;
  rssMb: number;
  loopP99Ms: number;
}
const samples: Sample[] = [];
const started = Date.now();
async function sample(): Promise<void> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const value = (name: string) => parseSamples(text).find((s) => s.name === name)?.value ?? Number.NaN;
  const s = { t: Math.round((Date.now() - started) / 1000), rssMb: value("process_resident_memory_bytes") / 2 ** 20, loopP99Ms: value("nodejs_eventloop_lag_p99_seconds") * 1000 };
  samples.push(s);
  console.log(`${String(s.t).padStart(6)} ${s.rssMb.toFixed(1).padStart(9)} ${s.loopP99Ms.toFixed(1).padStart(13)} ${String(tally.total()).padStart(10)} ${String(tally.serverErrors.length).padStart(5)}`);
}

console.log(`soak: ${durationS} s against ${server.url} (pid ${server.child.pid}), sampling every ${sampleS} s`);
console.log("  t(s)   RSS(MB)  loop p99(ms)   requests   5xx");
const stop = new AbortController();
// Every driver and reader listens for the end of the run.
setMaxListeners(1_000, stop.signal);
await sample();
const drivers = [
  ...startHttpDrivers(target, tally, stop.signal, SESSIONS),
  ...startStreamReaders(target, tally, stop.signal),
  ...startWidgets(target, tally, stop.signal, SESSIONS),
];
const sampler = setInterval(() => void sample().catch((err: Error) => tally.fail("sampler", err.message)), sampleS * 1000);
await new Promise((resolve) => setTimeout(resolve, durationS * 1000));
stop.abort();
clearInterval(sampler);
upstream.stop();
await Promise.allSettled(drivers);

// The connector catches up with everything the upstream emitted (or the soak says how far it got).
const emitted = upstream.emitted();
let connectorAt = "";
for (let i = 0; i < 300; i++) {
  const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { checks: { connector?: { lastEventId?: string } } };
  connectorAt = ready.checks.connector?.lastEventId ?? "";
  if (connectorAt === String(emitted)) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await sample();
server.child.kill("SIGTERM");
const exitCode = await exited;
clearInterval(chaos);
await Promise.all([fake.close(), upstream.close()]);

const db = new Database(databasePath, { readonly: true, fileMustExist: true });
const stored = Object.fromEntries(
  (db.prepare("SELECT source, count(*) AS n FROM actions GROUP BY source").all() as { source: string; n: number }[]).map((r) => [r.source, r.n]),
) as Record<string, number | undefined>;
db.close();
fs.rmSync(dir, { recursive: true, force: true });

const problems: string[] = [];
if (tally.serverErrors.length) problems.push(`${tally.serverErrors.length} answers were 5xx`);
for (const source of ["push", "capture", "posthog"] as const) {
  const lost = tally.acked[source] - (stored[source] ?? 0);
  if (lost > 0) problems.push(`${lost} acknowledged ${source} actions are not in SQLite`);
}
if ((stored.connector ?? 0) !== emitted) problems.push(`the connector stored ${stored.connector ?? 0} of ${emitted} upstream events (last id ${connectorAt})`);
if (tally.failures.length) problems.push(`${tally.failures.length} driver failures`);
if (serverErrors.length) problems.push(`${serverErrors.length} errors logged by the server`);
if (exitCode !== 0) problems.push(`the server exited with ${exitCode} on SIGTERM`);

const rss = samples.map((s) => s.rssMb);
const p99s = samples.map((s) => s.loopP99Ms).filter(Number.isFinite).sort((a, b) => a - b);
console.log("");
console.log(`RSS (MB): start ${rss[0]?.toFixed(1)}, max ${Math.max(...rss).toFixed(1)}, end ${rss.at(-1)?.toFixed(1)}`);
console.log(`event-loop delay p99 (ms): median of samples ${p99s[Math.floor(p99s.length / 2)]?.toFixed(1)}, worst ${p99s.at(-1)?.toFixed(1)}`);
console.log(`5xx: ${tally.serverErrors.length}`);
console.log("acked vs stored actions:");
for (const source of ["push", "capture", "posthog"] as const) console.log(`  ${source.padEnd(10)} acked ${tally.acked[source]}, stored ${stored[source] ?? 0}`);
console.log(`  ${"connector".padEnd(10)} emitted ${emitted}, stored ${stored.connector ?? 0}`);
console.log("answers by driver:");
for (const line of tally.summary()) console.log(line);
console.log("counts:");
for (const [what, n] of [...tally.counts].sort()) console.log(`  ${what}: ${n}`);
for (const line of [...tally.serverErrors, ...tally.failures, ...serverErrors].slice(0, 20)) console.log(`  ! ${line}`);
console.log(JSON.stringify({ durationS, samples, acked: tally.acked, stored, emitted, fiveXx: tally.serverErrors.length, failures: tally.failures.length, serverErrors: serverErrors.length, exitCode }));
if (problems.length) {
  console.log(`soak FAILED: ${problems.join("; ")}`);
  process.exit(1);
}
console.log("soak ok");
process.exit(0);

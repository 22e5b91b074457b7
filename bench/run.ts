/**
 * `npm run bench [-- --smoke] [--profile] [names…]`: runs the benchmarks one after another (they share 2 cores, so
 * never in parallel), prints a table and JSON, and saves artifacts/bench.json.
 * Each bench reports ratios against a baseline measured in the same run; nothing here asserts timings.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pinBenchProcess } from "./lib/child.js";
import { printTable, saveJson, type BenchResult } from "./lib/report.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const smoke = args.includes("--smoke");
// Servers of benches that support it run under `node --cpu-prof`; the notes summarise the profiles.
const profile = args.includes("--profile");
const names = args.filter((a) => !a.startsWith("--"));

const benches: Record<string, () => Promise<{ run: (o: { smoke: boolean; root: string; profile: boolean }) => Promise<BenchResult> }>> = {
  ingest: () => import("./ingest.bench.js"),
  suggest: () => import("./suggest.bench.js"),
  realtime: () => import("./realtime.bench.js"),
  capture: () => import("./capture.bench.js"),
  retention: () => import("./retention.bench.js"),
  stream: () => import("./stream.bench.js"),
  admin: () => import("./admin.bench.js"),
  "posthog-chain": () => import("./posthog-chain.bench.js"),
  // Needs PostgreSQL and Redis: only when asked for by name (`npm run bench -- cluster`).
  cluster: () => import("./cluster.bench.js"),
};
const onRequestOnly = new Set(["cluster"]);

const selected = names.length ? names : Object.keys(benches).filter((n) => !onRequestOnly.has(n));
const unknown = selected.filter((n) => !benches[n]);
if (unknown.length) {
  console.error(`unknown bench: ${unknown.join(", ")}; known: ${Object.keys(benches).join(", ")}`);
  process.exit(2);
}

// Servers under test get the last core; this process and the load it generates stay on the others.
pinBenchProcess();
const results: BenchResult[] = [];
for (const name of selected) {
  console.error(`running ${name}${smoke ? " (smoke)" : ""}…`);
  const mod = await benches[name]!();
  results.push(await mod.run({ smoke, root, profile }));
}
printTable(results);
saveJson(results, root);

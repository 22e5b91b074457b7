// Builds the server bundle (dist/server/main.js) and the browser bundles (dist/public/*.js) with esbuild,
// printing each browser bundle's gzip size against its budget.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const watch = process.argv.includes("--watch");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);

/**
 * Browser bundles and their gzip budgets in bytes (issue: widget ≤ 35 KB with socket.io-client, capture ≤ 5 KB;
 * admin ≤ 12 KB: its charts are its own SVG code, no chart library).
 */
const browserBundles = [
  { name: "widget", entry: "client/widget/index.ts", budget: 35 * 1024 },
  { name: "capture", entry: "client/capture/index.ts", budget: 5 * 1024 },
  { name: "demo", entry: "client/demo/app.ts" },
  { name: "admin", entry: "client/admin/app.ts", budget: 12 * 1024 },
].filter((b) => fs.existsSync(path.join(root, b.entry)));

const server = {
  entryPoints: { main: path.join(root, "server/main.ts"), credentials: path.join(root, "server/credentials-main.ts") },
  outdir: path.join(root, "dist/server"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
};

const browser = (b) => ({
  entryPoints: [path.join(root, b.entry)],
  outfile: path.join(root, `dist/public/${b.name}.js`),
  bundle: true,
  platform: "browser",
  format: "iife",
  target: ["es2020", "chrome90", "firefox90", "safari15"],
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
});

const jobs = [
  ...(only && only !== "server" ? [] : [{ label: "server", options: server }]),
  ...browserBundles.filter((b) => !only || only === b.name).map((b) => ({ label: b.name, options: browser(b), budget: b.budget })),
];

if (watch) {
  for (const job of jobs) {
    const ctx = await esbuild.context(job.options);
    await ctx.watch();
  }
  console.log(`watching ${jobs.map((j) => j.label).join(", ")}`);
} else {
  let overBudget = false;
  for (const job of jobs) {
    await esbuild.build(job.options);
    if (job.budget) {
      const bytes = fs.readFileSync(job.options.outfile);
      const gz = zlib.gzipSync(bytes, { level: 9 }).length;
      const ok = gz <= job.budget;
      overBudget ||= !ok;
      console.log(
        `${job.label.padEnd(8)} ${(bytes.length / 1024).toFixed(1).padStart(6)} KB  gzip ${(gz / 1024).toFixed(1).padStart(5)} KB  (budget ${job.budget / 1024} KB) ${ok ? "ok" : "OVER BUDGET"}`,
      );
    } else {
      console.log(`${job.label.padEnd(8)} built ${path.relative(root, job.options.outfile ?? job.options.outdir)}`);
    }
  }
  if (overBudget) process.exit(1);
}

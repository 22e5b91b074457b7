/**
 * `npm run eval [-- --seed N --users N --llm-users N]`: generates synthetic users from each workflows file
 * (the demo's and a second product's), replays them through the real engine on an injected clock, and
 * prints a table and JSON of next-step accuracy, false interrupts, nudges on mastered workflows, follow-
 * through and help recall — for the rules model, and for an LLM endpoint when OPENAI_BASE_URL or
 * OPENAI_API_KEY is set. Seeded and deterministic (the LLM's own answers aside); saves artifacts/eval.json.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadWorkflows } from "../../server/workflows/load-workflows.js";
import { computeMetrics, type EvalMetrics } from "./metrics.js";
import { generateUsers } from "./personas.js";
import { replay } from "./replay.js";
import { createRng } from "./rng.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : def;
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a whole number`);
  return v;
};
const seed = arg("seed", 14);
const userCount = arg("users", 200);
const llmUsers = arg("llm-users", 40);
/** A fixed simulated start (a Monday morning, UTC) so runs do not depend on today's date. */
const EPOCH = Date.UTC(2025, 0, 6, 9);
const FOLLOW_WINDOW_MS = 5 * 60_000;

// Each replayed into its own product: the demo's beside the demo product's own workflows, the CRM's in a
// second product of the same server, so anything read from the wrong product's workflows shows in the figures.
const products = [
  { name: "demo (invoices)", productId: "demo", file: path.join(root, "workflows.example.json") },
  { name: "crm (contacts)", productId: "crm", file: path.join(root, "test/fixtures/workflows-crm.json") },
];
const llmEnv: Record<string, string> = {};
for (const key of ["OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL"]) if (process.env[key]) llmEnv[key] = process.env[key]!;
const models: { name: string; env: Record<string, string>; users: number }[] = [{ name: "rules", env: { SUGGESTER: "rules" }, users: userCount }];
if (llmEnv.OPENAI_BASE_URL || llmEnv.OPENAI_API_KEY) models.push({ name: `llm (${llmEnv.OPENAI_MODEL ?? "gpt-4o-mini"})`, env: { ...llmEnv, SUGGESTER: "llm" }, users: Math.min(llmUsers, userCount) });

const results: ({ model: string; workflows: string; seed: number; users: number } & EvalMetrics)[] = [];
for (const product of products) {
  const workflows = loadWorkflows(product.file);
  for (const model of models) {
    const users = generateUsers(workflows, createRng(seed), model.users, EPOCH);
    console.error(`eval: ${model.name} on ${product.name}, ${users.length} users…`);
    const log = await replay({ productId: product.productId, workflows, users, env: model.env, rng: createRng(seed + 1) });
    results.push({ model: model.name, workflows: product.name, seed, users: users.length, ...computeMetrics(log, workflows, FOLLOW_WINDOW_MS) });
  }
}

const pct = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)} %`);
const header = ["model", "workflows", "sessions", "delivered", "top-1 accuracy", "false interrupts", "mastered nudges", "follow-through", "help recall", "overtaken"];
const rows = results.map((r) => [r.model, r.workflows, String(r.sessions), String(r.delivered), pct(r.top1Accuracy), pct(r.falseInterruptRate), String(r.masteredNudges), pct(r.followThrough), pct(r.helpRecall), String(r.overtaken)]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log([line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n"));
console.log(JSON.stringify(results, null, 2));
fs.mkdirSync(path.join(root, "artifacts"), { recursive: true });
fs.writeFileSync(path.join(root, "artifacts/eval.json"), `${JSON.stringify(results, null, 2)}\n`);

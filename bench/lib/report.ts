/** Bench results: printed as a table for people and as JSON for machines (and saved under artifacts/). */
import fs from "node:fs";
import path from "node:path";

export interface BenchRow {
  metric: string;
  value: number;
  unit: string;
  /** The same metric measured on the baseline in the same run. */
  baseline?: number;
  /** value / baseline (or baseline / value for lower-is-better metrics), as the bench defines it. */
  ratio?: number;
  target?: string;
}

export interface BenchResult {
  name: string;
  description: string;
  rows: BenchRow[];
  notes?: string[];
}

const fmt = (n: number | undefined) =>
  n === undefined ? "" : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toFixed(3);

export function printTable(results: readonly BenchResult[]): void {
  for (const r of results) {
    console.log(`\n## ${r.name} — ${r.description}`);
    const header = ["metric", "value", "unit", "baseline", "ratio", "target"];
    const rows = r.rows.map((row) => [row.metric, fmt(row.value), row.unit, fmt(row.baseline), row.ratio === undefined ? "" : `${fmt(row.ratio)}×`, row.target ?? ""]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
    console.log(line(header));
    console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
    rows.forEach((row) => console.log(line(row)));
    for (const note of r.notes ?? []) console.log(`  note: ${note}`);
  }
}

export function saveJson(results: readonly BenchResult[], root: string): string {
  const file = path.join(root, "artifacts", "bench.json");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const doc = { date: new Date().toISOString(), node: process.version, results };
  fs.writeFileSync(file, JSON.stringify(doc, null, 2));
  console.log(`\n${JSON.stringify(doc)}`);
  return file;
}

/**
 * `posthog-chain`: how long parsing one 100 KB `elements_chain` (PostHog's cap) takes when the chain is
 * hostile — runs of colons, which once cost a rescan per colon (seconds per chain, blocking the event loop) —
 * against an ordinary chain of the same length. A ratio near 1× means hostile chains cost what real ones do.
 */
import { parseElementsChain } from "../server/ingest/posthog/elements-chain.js";
import type { BenchResult } from "./lib/report.js";
import { percentile } from "./lib/stats.js";

const LENGTH = 100_000;

/** One real element whose text fills the chain: every character is read (a chain of many elements stops at 100). */
function ordinaryChain(): string {
  const head = 'button.btn.btn-primary:attr__id="export"nth-child="2"text="';
  return `${head}${"Export CSV ".repeat(LENGTH).slice(0, LENGTH - head.length - 1)}"`;
}

const HOSTILE: Record<string, string> = {
  "only colons": ":".repeat(LENGTH),
  "a:a:a…": "a:".repeat(LENGTH / 2),
  'colons then key="': `${":".repeat(LENGTH - 10)}text="x"`,
};

function msPerParse(chain: string, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    parseElementsChain(chain);
    times.push(performance.now() - started);
  }
  return percentile(times, 50);
}

export async function run({ smoke }: { smoke: boolean }): Promise<BenchResult> {
  const runs = smoke ? 5 : 50;
  const baseline = msPerParse(ordinaryChain(), runs);
  const rows = Object.entries(HOSTILE).map(([name, chain]) => {
    const value = msPerParse(chain, runs);
    return { metric: `${name}: ms per 100 KB chain (p50)`, value, unit: "ms", baseline, ratio: value / baseline, target: "≈1× (linear)" };
  });
  return {
    name: "posthog-chain",
    description: "parseElementsChain on hostile 100 KB chains vs an ordinary chain of the same length",
    rows,
    notes: [`${runs} parses each; baseline = an ordinary element whose text fills 100 KB`],
  };
}

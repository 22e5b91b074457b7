/**
 * Suggestion engine bench, in-process against the real app and a fake OpenAI-compatible server:
 *  1. model calls per 100 actions under bursty traffic (several sessions, bursts of payloads with pauses
 *     longer than the debounce), against the naive loop that calls the model once per payload — both
 *     counted at fake servers in the same run;
 *  2. decision overhead (evaluation time minus model time; no debounce) p50/p99 with 1,000 active sessions,
 *     against the floor of loading a session's context window alone.
 */
import { buildSuggestionPrompt } from "../server/suggest/prompt-builder.js";
import { createOpenAIModel } from "../server/llm/openai-adapter.js";
import { createSilentLogger } from "../server/logger.js";
import { loadConfig } from "../server/config.js";
import { loadSessionWindowByRef } from "../server/sessions/session-context.js";
import { startFakeOpenAI } from "../test/helpers/fake-openai.js";
import { pushActions, type ActionSpec } from "../test/helpers/suggestions.js";
import { startTestServer } from "../test/helpers/test-server.js";
import type { BenchResult } from "./lib/report.js";
import { percentile } from "./lib/stats.js";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));


const PAGES = ["/invoices", "/invoices/new", "/reports", "/settings/team"];
const payload = (s: number, n: number): ActionSpec[] => [
  { type: "click", url: PAGES[(s + n) % PAGES.length]!, title: `Click 'Item ${n}' button` },
  { type: "type", url: PAGES[(s + n) % PAGES.length]!, title: `Type in 'Field ${n}' field` },
];

async function burstyCalls(smoke: boolean) {
  const sessions = smoke ? 4 : 12;
  const bursts = smoke ? 2 : 4;
  const perBurst = 5;
  const ours = await startFakeOpenAI({ default: { kind: "reply", text: "NO_SUGGESTION", delayMs: 30 } });
  const naive = await startFakeOpenAI({ default: { kind: "reply", text: "NO_SUGGESTION", delayMs: 30 } });
  const server = await startTestServer({
    // Defaults for the scheduler (1.2 s debounce, 5 s max wait); no summaries, so only suggestion calls count.
    env: { OPENAI_BASE_URL: ours.url, SUMMARY_THRESHOLD: "10000", SUMMARY_KEEP_ACTIONS: "10", LLM_MAX_RETRIES: "0" },
  });
  const naiveClient = createOpenAIModel(loadConfig({ OPENAI_BASE_URL: naive.url, LLM_MAX_RETRIES: "0" }), createSilentLogger());
  let actions = 0;
  let evaluations = 0;
  server.suggestions.onDecision(() => evaluations++);
  try {
    const naiveCalls: Promise<unknown>[] = [];
    await Promise.all(
      Array.from({ length: sessions }, async (_, s) => {
        for (let b = 0; b < bursts; b++) {
          for (let n = 0; n < perBurst; n++) {
            const specs = payload(s, b * perBurst + n);
            await pushActions(server.url, `bench-burst-${s}`, specs);
            actions += specs.length;
            // The naive loop: one model call per payload, with the same prompt shape.
            const ctx = (await loadSessionWindowByRef(server.repos, (await server.repos.sessions.idByKey("demo", `bench-burst-${s}`))!, 50))!;
            const { messages } = buildSuggestionPrompt({ goal: null, summary: null, placement: undefined, signals: [], actions: ctx.window, limits: { maxActions: 30, maxChars: 4000 } });
            naiveCalls.push(naiveClient.complete(messages).catch(() => undefined));
            await pause(60);
          }
          await pause(1_600); // a pause longer than the debounce ends the burst
        }
      }),
    );
    await Promise.all(naiveCalls);
    // Let the last debounced evaluations run.
    const deadline = Date.now() + 10_000;
    while (evaluations < sessions * bursts && Date.now() < deadline) await pause(50);
  } finally {
    await server.close();
    await ours.close();
    await naive.close();
  }
  return { actions, payloads: sessions * bursts * perBurst, ours: ours.requests.length, naive: naive.requests.length, sessions, bursts };
}

async function decisionOverhead(smoke: boolean) {
  const count = smoke ? 200 : 1_000;
  // A long debounce keeps every session "active" (a pending timer each) while the bench evaluates them directly.
  const server = await startTestServer({ env: { SUGGEST_DEBOUNCE_MS: "60000", SUGGEST_MAX_WAIT_MS: "60000" } });
  const overhead: number[] = [];
  const floor: number[] = [];
  try {
    for (let start = 0; start < count; start += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, count - start) }, (_, i) => {
          const s = start + i;
          const specs: ActionSpec[] = [{ url: PAGES[s % PAGES.length]! }, ...payload(s, 0), ...payload(s, 1)];
          return pushActions(server.url, `bench-active-${s}`, specs);
        }),
      );
    }
    const active = server.suggestions.stats().sessions;
    server.suggestions.onDecision((d) => overhead.push(d.timings.totalMs - d.timings.modelMs));
    for (let s = 0; s < count; s++) {
      const ref = (await server.repos.sessions.idByKey("demo", `bench-active-${s}`))!;
      const t0 = performance.now();
      await loadSessionWindowByRef(server.repos, ref, server.config.CONTEXT_WINDOW_ACTIONS);
      floor.push(performance.now() - t0);
      await server.suggestions.evaluateNow(ref);
    }
    return { count, active, overhead, floor };
  } finally {
    await server.close();
  }
}

export async function run(opts: { smoke: boolean; root: string }): Promise<BenchResult> {
  const calls = await burstyCalls(opts.smoke);
  const per100 = (n: number) => (n / calls.actions) * 100;
  const o = await decisionOverhead(opts.smoke);
  const p99 = percentile(o.overhead, 99);
  const floorP99 = percentile(o.floor, 99);
  return {
    name: "suggest",
    description: `model calls under bursty traffic (${calls.sessions} sessions × ${calls.bursts} bursts of 5 payloads); decision overhead with ${o.active} active sessions`,
    rows: [
      { metric: "model calls / 100 actions", value: per100(calls.ours), unit: "calls", baseline: per100(calls.naive), ratio: calls.naive / Math.max(1, calls.ours), target: "fewer (naive ÷ ours)" },
      { metric: "model calls (total)", value: calls.ours, unit: "calls", baseline: calls.naive },
      { metric: "decision overhead p50", value: percentile(o.overhead, 50), unit: "ms", baseline: percentile(o.floor, 50) },
      { metric: "decision overhead p99", value: p99, unit: "ms", baseline: floorP99, ratio: p99 / Math.max(floorP99, 1e-6) },
      { metric: "decisions measured", value: o.overhead.length, unit: "count" },
    ],
    notes: [
      `${calls.actions} actions in ${calls.payloads} payloads; naive = one chat completion per payload against a second fake server`,
      "overhead = evaluation time minus time in models (rules model and SQLite writes included); baseline = loading the session window alone",
      "in-process with the fake OpenAI-compatible server; figures are indicative on a shared machine",
    ],
  };
}

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FENCE_OPEN } from "../../server/llm/prompt-fence.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai.js";
import { adminHeaders, pushEvent } from "../helpers/signing.js";
import { pushActions, recordDecisions, type ActionSpec } from "../helpers/suggestions.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";

const ENV = { SUMMARY_THRESHOLD: "10", SUMMARY_KEEP_ACTIONS: "4", SUGGEST_DEBOUNCE_MS: "10", SUGGEST_MAX_WAIT_MS: "100" };

/** n distinct actions: pages, clicks and a submit, so the summary has something to say. */
function activity(n: number, offset = 0): ActionSpec[] {
  return Array.from({ length: n }, (_, i) => {
    const k = i + offset;
    if (k % 5 === 0) return { url: k % 10 === 0 ? "/reports" : "/invoices" };
    if (k % 5 === 4) return { type: "submit", url: "/invoices/new", title: "Submit 'Save invoice' form" };
    return { type: "click", url: "/reports", title: `Click 'Filter ${k}' button` };
  });
}

async function context(url: string, sid: string) {
  const res = await fetch(`${url}/v1/sessions/${sid}/context`, { headers: adminHeaders });
  return (await res.json()) as Record<string, any>;
}

describe("rolling summary with a context window smaller than what it folds", () => {
  let server: TestServer;
  let decisions: ReturnType<typeof recordDecisions>;
  beforeAll(async () => {
    server = await startTestServer({ env: { ...ENV, CONTEXT_WINDOW_ACTIONS: "3" } });
    decisions = recordDecisions(server.suggestions);
  });
  afterAll(async () => {
    await server.close();
  });

  it("folds the same oldest actions, in order, as with a window that holds them all", async () => {
    await pushActions(server.url, "sum-small", activity(12));
    await decisions.next({ sessionId: "sum-small" });
    const ctx = await context(server.url, "sum-small");
    expect(ctx.summary.replaces).toBe(8);
    expect(ctx.counts).toMatchObject({ actions: 12, summarized: 8 });
    expect(ctx.recent_actions).toHaveLength(3);
    const text: string = ctx.summary.text;
    expect(text).toContain("\nPages: Reports → Invoices › New → Invoices → Reports\n");
    expect(text).toContain("\nKey actions: submitted 'Save invoice'; clicked 'Filter 1'; clicked 'Filter 2'; clicked 'Filter 3'; clicked 'Filter 6'; clicked 'Filter 7'\n");
  });
});

describe("rolling summary (extractive, no LLM)", () => {
  let server: TestServer;
  let decisions: ReturnType<typeof recordDecisions>;
  beforeAll(async () => {
    server = await startTestServer({ env: ENV });
    decisions = recordDecisions(server.suggestions);
  });
  afterAll(async () => {
    await server.close();
  });

  it("folds the oldest actions when the window passes the threshold, and they leave the window", async () => {
    await pushActions(server.url, "sum-1", activity(12));
    await decisions.next({ sessionId: "sum-1" });
    const ctx = await context(server.url, "sum-1");
    expect(ctx.summary.source).toBe("rolling");
    expect(ctx.summary.replaces).toBe(8);
    expect(ctx.counts).toMatchObject({ actions: 12, in_window: 4, summarized: 8 });
    expect(ctx.recent_actions).toHaveLength(4);
    const text: string = ctx.summary.text;
    expect(text).toContain("Then 8 actions between");
    expect(text).toContain("\nPages: Reports → Invoices › New → Invoices → Reports\n");
    expect(text).toContain("\nKey actions: submitted 'Save invoice'; clicked 'Filter 1'; clicked 'Filter 2'; clicked 'Filter 3'; clicked 'Filter 6'; clicked 'Filter 7'\n");
    expect(text).toContain(
      "\nWorkflows: Create and send an invoice — 4 of 5 steps done (next: Open the invoice and click 'Send invoice' to email it.); Export a report — 1 of 3 steps done (next: Pick the date range the report should cover.)",
    );
    expect(text).not.toContain("Earlier:");
  });

  it("takes the previous summary as input for the next one", async () => {
    await pushActions(server.url, "sum-1", activity(8, 12));
    await decisions.next({ sessionId: "sum-1" });
    const ctx = await context(server.url, "sum-1");
    expect(ctx.counts).toMatchObject({ actions: 20, in_window: 4, summarized: 16 });
    expect(ctx.summary.replaces).toBe(16);
    const text: string = ctx.summary.text;
    expect(text).toMatch(/^Earlier: Then 8 actions between \d\d:\d\d and \d\d:\d\d UTC\.; Pages: Reports → Invoices › New → Invoices → Reports; Key actions: /);
    expect(text).toContain("\nKey actions: submitted 'Save invoice' ×2; clicked 'Filter 8'");
  });

  it("summarises actions whose timestamps are past any date (found by fuzzing)", async () => {
    // timestamp_start 1e300 is a valid Unix-seconds number to the schema but no Date: the summary used to
    // throw, so every later evaluation of the session failed and it never got a suggestion again. Such a
    // timestamp is now recorded at receive time (CLIENT_CLOCK_SKEW_MS), so the summary has a real time span.
    const far = activity(12).map((a, i) => ({ type: a.type ?? "pageview", title: a.title ?? `Page Load: ${a.url}`, description: `step ${i}`, canonical_url: a.url, timestamp_start: 1e300 + i }));
    expect((await pushEvent(server.url, { type: "actions", session_id: "sum-far", actions: far })).status).toBe(202);
    const decision = await decisions.next({ sessionId: "sum-far" });
    expect(decision.outcome).not.toBe("failed");
    const ctx = await context(server.url, "sum-far");
    expect(ctx.summary.source).toBe("rolling");
    expect(ctx.summary.text).toMatch(/^Then 8 actions between \d\d:\d\d and \d\d:\d\d UTC\.\n/);
  });

  it("leaves a window under the threshold alone", async () => {
    await pushActions(server.url, "sum-2", activity(10));
    await decisions.next({ sessionId: "sum-2" });
    const ctx = await context(server.url, "sum-2");
    expect(ctx.summary).toBeNull();
    expect(ctx.counts.in_window).toBe(10);
  });
});

describe("rolling summary written by the LLM", () => {
  let fake: FakeOpenAI;
  let server: TestServer;
  let decisions: ReturnType<typeof recordDecisions>;
  beforeAll(async () => {
    fake = await startFakeOpenAI({
      default: (req) =>
        req.body.messages?.[0]?.content.includes("rolling summary")
          ? { kind: "reply", text: `Summary #${1 + fake.requests.filter((r) => r.body.messages?.[0]?.content.includes("rolling summary")).length}: filtered reports, saved an invoice.` }
          : { kind: "reply", text: "NO_SUGGESTION" },
    });
    server = await startTestServer({ env: { ...ENV, OPENAI_BASE_URL: fake.url, LLM_MAX_RETRIES: "0" } });
    decisions = recordDecisions(server.suggestions);
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
  });

  it("stores the model's summary, feeds it the previous one, and keeps folded actions out of the suggestion prompt", async () => {
    await pushActions(server.url, "sum-llm", activity(12));
    await decisions.next({ sessionId: "sum-llm" });
    expect((await context(server.url, "sum-llm")).summary).toMatchObject({ source: "rolling", text: "Summary #1: filtered reports, saved an invoice.", replaces: 8 });

    await pushActions(server.url, "sum-llm", activity(8, 12));
    await decisions.next({ sessionId: "sum-llm" });
    expect((await context(server.url, "sum-llm")).summary.text).toBe("Summary #2: filtered reports, saved an invoice.");

    const summaryCalls = fake.requests.filter((r) => r.body.messages![0]!.content.includes("rolling summary"));
    expect(summaryCalls).toHaveLength(2);
    expect(summaryCalls[1]!.body.messages![1]!.content).toContain("Previous summary:\n> Summary #1: filtered reports, saved an invoice.");
    const suggestCall = fake.requests.filter((r) => r.body.messages![0]!.content.includes("NO_SUGGESTION")).at(-1)!;
    const prompt = suggestCall.body.messages![1]!.content;
    expect(prompt).toContain(`${FENCE_OPEN}\n`);
    expect(prompt).toContain("Summary of earlier activity:\n> Summary #2: filtered reports, saved an invoice.");
    expect(prompt).toContain("Recent actions (oldest first, 4 of 4):");
    expect(prompt).not.toContain("Filter 1'");
  });
});

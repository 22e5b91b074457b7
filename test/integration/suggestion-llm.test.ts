import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FENCE_OPEN } from "../../server/llm/prompt-fence.js";
import { createManualClock } from "../helpers/clock.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai.js";
import { pushActions, recordDecisions, recordingPublisher, type ActionSpec } from "../helpers/suggestions.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";

const START_INVOICE: ActionSpec[] = [{ url: "/invoices" }, { url: "/invoices/new" }];
const HINT = "Choose the customer this invoice is for.";

let fake: FakeOpenAI;
const clock = createManualClock();
const publisher = recordingPublisher();
let server: TestServer;
let decisions: ReturnType<typeof recordDecisions>;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  server = await startTestServer({
    clock,
    publish: publisher.publish,
    env: {
      OPENAI_BASE_URL: fake.url,
      OPENAI_MODEL: "fake-mini",
      LLM_TIMEOUT_MS: "1500", // generous: a loaded CI machine must not turn a normal reply into a timeout
      LLM_MAX_RETRIES: "1",
      BREAKER_FAILURES: "2",
      BREAKER_COOLDOWN_MS: "30000",
      SUGGEST_DEBOUNCE_MS: "10",
      SUGGEST_MAX_WAIT_MS: "100",
    },
  });
  decisions = recordDecisions(server.suggestions);
});
afterAll(async () => {
  await server.close();
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.setDefault({ kind: "reply", text: "Pick the customer in the Customer field, then press Save invoice." });
});

async function pushAndDecide(sid: string, specs: ActionSpec[] = START_INVOICE) {
  await pushActions(server.url, sid, specs, clock.now());
  return decisions.next({ sessionId: sid });
}

describe("LLM suggestions against an OpenAI-compatible server", () => {
  it("delivers the model's reply, recording source, model, latency and tokens; the prompt fences the activity", async () => {
    fake.enqueue({ kind: "reply", text: "  **Pick the customer** for this invoice next.  ", usage: { prompt_tokens: 321, completion_tokens: 12, total_tokens: 333 } });
    const d = await pushAndDecide("l-normal");
    expect(d).toMatchObject({ outcome: "delivered", source: "llm", modelError: null, text: "Pick the customer for this invoice next." });
    const s = (await server.repos.suggestions.findById(d.suggestionId!))!;
    expect(s).toMatchObject({ source: "llm", model: "fake-mini", usage: { promptTokens: 321, completionTokens: 12, totalTokens: 333 }, workflowId: "create-invoice", stepId: "pick-customer" });
    expect(s.latencyMs).toBeGreaterThan(0);
    expect(s.evidence.indexes).toEqual([0, 1]);
    expect(publisher.published.at(-1)).toMatchObject({ id: d.suggestionId, source: "llm", text: "Pick the customer for this invoice next." });

    expect(fake.requests).toHaveLength(1);
    const [system, user] = fake.requests[0]!.body.messages!;
    expect(system!.content).toContain("NO_SUGGESTION");
    expect(user!.content).toContain(`Next step hint: ${HINT}`);
    expect(user!.content).toContain(`${FENCE_OPEN}\n`);
    expect(user!.content).toContain("[1] pageview: User landed on /invoices/new — /invoices/new");
  });

  it("falls back to rules when the reply is too slow (timeout), and records why", async () => {
    fake.setDefault({ kind: "reply", text: "too late", delayMs: 5_000 });
    const d = await pushAndDecide("l-slow");
    expect(d).toMatchObject({ outcome: "delivered", source: "rules", modelError: "llm_timeout" });
    expect(d.text).toContain(HINT);
    expect(await server.repos.suggestions.findById(d.suggestionId!)).toMatchObject({ source: "rules", model: "rules", modelError: "llm_timeout" });
    // LLM_MAX_RETRIES=1: the SDK retried the timed-out call once, and the client gave up on both.
    expect(fake.requests).toHaveLength(2);
    await waitFor(() => (fake.requests.every((r) => r.aborted) ? true : undefined), "the fake server to see both calls abandoned");
  });

  it("retries a 429 after its retry-after and delivers the model's answer", async () => {
    fake.enqueue({ kind: "error", status: 429, retryAfterMs: 20, message: "rate limited" }, { kind: "reply", text: "Choose the customer next." });
    const d = await pushAndDecide("l-429");
    expect(d).toMatchObject({ outcome: "delivered", source: "llm", modelError: null, text: "Choose the customer next." });
    expect(fake.requests.map((r) => r.script)).toEqual(["error", "reply"]);
  });

  it("records 'no helpful step' as declined and delivers nothing", async () => {
    fake.enqueue({ kind: "reply", text: "NO_SUGGESTION" });
    const before = publisher.published.length;
    const d = await pushAndDecide("l-none");
    expect(d).toMatchObject({ outcome: "skipped", reason: "declined", source: "llm", suggestionId: null });
    expect(publisher.published.length).toBe(before);
    expect(await server.repos.suggestions.recent((await server.repos.sessions.idByKey("demo", "l-none"))!, 5)).toEqual([]);
  });

  it("falls back to rules on an unusable reply without blaming the server", async () => {
    fake.enqueue({ kind: "reply", text: "x".repeat(400) });
    const d = await pushAndDecide("l-invalid");
    expect(d).toMatchObject({ outcome: "delivered", source: "rules", modelError: "llm_invalid_output" });
    expect(server.app.services.llm!.breakerState()).toBe("closed");
  });

  it("opens the breaker after repeated 500s, uses rules while open, and closes after a successful probe", async () => {
    fake.setDefault({ kind: "error", status: 500, message: "upstream down" });
    const a = await pushAndDecide("l-500-a");
    const b = await pushAndDecide("l-500-b");
    expect([a, b].map((d) => [d.source, d.modelError])).toEqual([["rules", "llm_unavailable"], ["rules", "llm_unavailable"]]);
    expect(fake.requests).toHaveLength(4); // two calls, each retried once
    expect(server.app.services.llm!.breakerState()).toBe("open");

    const c = await pushAndDecide("l-500-c");
    expect(c).toMatchObject({ outcome: "delivered", source: "rules", modelError: "breaker_open" });
    expect(fake.requests).toHaveLength(4); // the open breaker sent nothing

    clock.advance(30_000);
    expect(server.app.services.llm!.breakerState()).toBe("half_open");
    fake.setDefault({ kind: "reply", text: "Choose the customer for this invoice." });
    const probe = await pushAndDecide("l-500-d");
    expect(probe).toMatchObject({ outcome: "delivered", source: "llm", modelError: null });
    expect(server.app.services.llm!.breakerState()).toBe("closed");
  });

  it("supersedes an in-flight call when newer activity arrives: aborted on the wire, recorded, then the new one delivers", async () => {
    fake.enqueue({ kind: "reply", text: "stale answer", delayMs: 5_000 }, { kind: "reply", text: "Fresh answer for the newer context." });
    await pushActions(server.url, "l-super", START_INVOICE, clock.now());
    await fake.waitForRequests(1);
    await pushActions(server.url, "l-super", [{ type: "type", url: "/invoices/new", title: "Type in 'Customer' field" }], clock.now());
    expect(await decisions.next({ sessionId: "l-super" })).toMatchObject({ outcome: "skipped", reason: "superseded", source: "llm" });
    expect(await decisions.next({ sessionId: "l-super" })).toMatchObject({ outcome: "delivered", source: "llm", text: "Fresh answer for the newer context." });
    expect(fake.requests[0]!.aborted).toBe(true);
    expect(fake.requests).toHaveLength(2);
  });

  it("never holds ingestion for the model: the push is acknowledged while the model call is still pending", async () => {
    fake.enqueue({ kind: "hang" }, { kind: "hang" }); // the call and its one retry
    const ack = await pushActions(server.url, "l-hang", START_INVOICE, clock.now());
    expect(ack).toEqual({ accepted: 2, duplicates: 0 });
    await fake.waitForRequests(1);
    expect(fake.requests[0]!.completed).toBe(false);
    // The hang ends at LLM_TIMEOUT_MS and rules answer.
    expect(await decisions.next({ sessionId: "l-hang" })).toMatchObject({ source: "rules", modelError: "llm_timeout" });
  });
});

describe("a burst of activity", () => {
  it("50 payloads over ~2 s for one session lead to at most 2 model calls", async () => {
    const burstFake = await startFakeOpenAI({ default: { kind: "reply", text: "Choose the customer for this invoice." } });
    const burst = await startTestServer({
      // Default scheduler timings; no rolling summary, so every request at the fake server is a suggestion call.
      env: { OPENAI_BASE_URL: burstFake.url, SUGGEST_DEBOUNCE_MS: "1200", SUGGEST_MAX_WAIT_MS: "5000", LLM_MAX_RETRIES: "0", SUMMARY_THRESHOLD: "1000" },
    });
    try {
      const burstDecisions = recordDecisions(burst.suggestions);
      const pages = ["/invoices", "/invoices/new"];
      for (let i = 0; i < 50; i++) {
        await pushActions(burst.url, "b-1", [{ type: "click", url: pages[i % 2]!, title: `Click 'Line ${i}' button` }]);
        await new Promise((r) => setTimeout(r, 40)); // the traffic pattern under test: 50 payloads spread over ~2 s
      }
      const d = await burstDecisions.next({ sessionId: "b-1" });
      expect(d.source).toBe("llm");
      expect(burstFake.requests.length).toBeGreaterThanOrEqual(1);
      expect(burstFake.requests.length).toBeLessThanOrEqual(2);
      expect(burstFake.requests.every((r) => r.body.messages![0]!.content.includes("NO_SUGGESTION"))).toBe(true);
      expect(d.trigger).toBe("activity");
    } finally {
      await burst.close();
      await burstFake.close();
    }
  });
});

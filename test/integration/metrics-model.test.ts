/**
 * /metrics for the LLM, through the real openai SDK against a local OpenAI-compatible server
 * (test/helpers/fake-openai.ts): the latency histogram by purpose and outcome, errors by code, and the
 * circuit breaker opening after a scripted run of server errors. No retries, no background suggestions:
 * each evaluation is one call, so each count is exact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai.js";
import { sampleValue, scrape } from "../helpers/metrics-text.js";
import { pushActions, recordDecisions } from "../helpers/suggestions.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { command, connectWidget, expectOk, recorder } from "../helpers/widget-client.js";

const MODEL = "fake-mini";
let fake: FakeOpenAI;
let server: TestServer;
let decisions: ReturnType<typeof recordDecisions>;

beforeAll(async () => {
  fake = await startFakeOpenAI({ default: { kind: "reply", text: "Pick the customer in the Customer field." } });
  server = await startTestServer({
    env: {
      OPENAI_BASE_URL: fake.url,
      OPENAI_MODEL: MODEL,
      LLM_TIMEOUT_MS: "5000",
      LLM_MAX_RETRIES: "0",
      BREAKER_FAILURES: "2",
      // Long enough that the breaker stays open for the rest of the file.
      BREAKER_COOLDOWN_MS: "3600000",
      SUGGESTIONS_ENABLED: "false",
      SUGGEST_DEBOUNCE_MS: "0",
      SUGGEST_MAX_WAIT_MS: "0",
    },
  });
  decisions = recordDecisions(server.suggestions);
});
afterAll(async () => {
  await server.close();
  await fake.close();
});

/** A fresh session in the invoice workflow, evaluated now: one suggestion call. */
async function suggestFor(sessionId: string) {
  await pushActions(server.url, sessionId, [{ url: "/invoices" }, { url: "/invoices/new" }]);
  const next = decisions.next({ sessionId });
  await server.suggestions.evaluateNow((await server.repos.sessions.idByKey(server.instance.defaultProduct.id, sessionId))!);
  return next;
}

const latencyCount = (text: string, purpose: string, outcome: string) =>
  sampleValue(text, "pilotlight_model_latency_seconds_count", { model: MODEL, purpose, outcome });

describe("model metrics", () => {
  it("observes a successful suggestion call and a streamed chat reply in the latency histogram", async () => {
    expect(await suggestFor("mm-ok")).toMatchObject({ outcome: "delivered", source: "llm" });
    const socket = await connectWidget(server.url, { sessionId: "mm-chat" });
    try {
      const created = recorder(socket, "message:created");
      expectOk(await command(socket, "message:send", { clientMessageId: "q1", text: "What next?" }));
      await created.until((m) => m.role === "assistant");
    } finally {
      socket.close();
    }
    expect(fake.requests).toHaveLength(2);
    const text = await scrape(server.url);
    expect(latencyCount(text, "complete", "ok")).toBe(1);
    expect(latencyCount(text, "chat", "ok")).toBe(1);
    expect(sampleValue(text, "pilotlight_suggestions_total", { source: "llm", outcome: "delivered" })).toBe(1);
    expect(sampleValue(text, "pilotlight_model_breaker_state", { state: "closed" })).toBe(1);
    expect(sampleValue(text, "pilotlight_model_errors_total", { code: "llm_unavailable" })).toBeUndefined();
  });

  it("counts errors by code and shows the breaker open after BREAKER_FAILURES server errors", async () => {
    fake.enqueue({ kind: "error", status: 500, message: "upstream exploded" }, { kind: "error", status: 503, message: "overloaded" });
    expect(await suggestFor("mm-err-1")).toMatchObject({ outcome: "delivered", source: "rules", modelError: "llm_unavailable" });
    let text = await scrape(server.url);
    expect(sampleValue(text, "pilotlight_model_breaker_state", { state: "closed" })).toBe(1);
    expect(await suggestFor("mm-err-2")).toMatchObject({ outcome: "delivered", source: "rules", modelError: "llm_unavailable" });
    text = await scrape(server.url);
    expect(sampleValue(text, "pilotlight_model_errors_total", { code: "llm_unavailable" })).toBe(2);
    expect(latencyCount(text, "complete", "llm_unavailable")).toBe(2);
    expect(sampleValue(text, "pilotlight_model_breaker_state", { state: "open" })).toBe(1);
    expect(sampleValue(text, "pilotlight_model_breaker_state", { state: "closed" })).toBe(0);
    expect(sampleValue(text, "pilotlight_suggestions_total", { source: "rules", outcome: "delivered" })).toBe(2);
  });

  it("counts suggestion calls the open breaker refused as breaker_open, without calling the model", async () => {
    const calls = fake.requests.length;
    expect(await suggestFor("mm-open")).toMatchObject({ outcome: "delivered", source: "rules", modelError: "breaker_open" });
    expect(fake.requests).toHaveLength(calls);
    const text = await scrape(server.url);
    expect(sampleValue(text, "pilotlight_model_errors_total", { code: "breaker_open" })).toBe(1);
    expect(sampleValue(text, "pilotlight_model_errors_total", { code: "llm_unavailable" })).toBe(2);
    // The refused call never reached the model, so the histogram has no new observation.
    expect(latencyCount(text, "complete", "ok")).toBe(1);
    expect(latencyCount(text, "complete", "llm_unavailable")).toBe(2);
    expect(sampleValue(text, "pilotlight_model_breaker_state", { state: "open" })).toBe(1);
  });
});

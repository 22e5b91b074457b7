/**
 * MODEL_CALLS_PER_ADDRESS_PER_HOUR: an address that opens fresh anonymous sessions gets no fresh model budget
 * with each. Past its budget chat still answers (from the rules) and suggestions still come (from the rules,
 * the decision saying why), the model (the fake OpenAI server) sees no more calls caused by that address, and
 * another address is served by the model as before. Addresses come from X-Forwarded-For (TRUST_PROXY=loopback).
 */
import { describe, expect, it } from "vitest";
import { ALLOWED_ORIGIN, batch, rawEvent, sendCapture } from "../helpers/capture.js";
import { createManualClock } from "../helpers/clock.js";
import { startFakeOpenAI } from "../helpers/fake-openai.js";
import { sampleValue, scrape } from "../helpers/metrics-text.js";
import { recordDecisions } from "../helpers/suggestions.js";
import { serverWithFakeModel } from "../helpers/server-with-fake-model.js";
import { startTestServer } from "../helpers/test-server.js";
import { ask, connectWidget } from "../helpers/widget-client.js";

const MODEL_TEXT = "Here is how, from the model.";
const ATTACKER = "203.0.113.7";
const OTHER = "198.51.100.9";

const start = serverWithFakeModel({ kind: "reply", text: MODEL_TEXT }, { LLM_MAX_RETRIES: "0", TRUST_PROXY: "loopback", MODEL_CALLS_PER_ADDRESS_PER_HOUR: "3" });

/** One fresh anonymous session from `address`, one question; the reply's text. */
async function askFresh(url: string, sessionId: string, address: string): Promise<string> {
  const socket = await connectWidget(url, { sessionId }, { headers: { "x-forwarded-for": address } });
  try {
    const { reply } = await ask(socket, "How do I create an invoice?");
    return reply.text;
  } finally {
    socket.close();
  }
}

describe("chat: model calls per client address", () => {
  it("stops reaching the model after the address's budget across fresh sessions, answers from the rules, and serves another address", async () => {
    const { server, fake } = await start({ SUGGESTIONS_ENABLED: "false" });
    const replies: string[] = [];
    for (let i = 0; i < 6; i++) replies.push(await askFresh(server.url, `fresh-${i}`, ATTACKER));
    await server.app.services.chat.drain();

    expect(fake.requests).toHaveLength(3);
    expect(replies.slice(0, 3)).toEqual([MODEL_TEXT, MODEL_TEXT, MODEL_TEXT]);
    // Over budget: still an answer (the offline rules reply), never an error.
    for (const text of replies.slice(3)) {
      expect(text.trim().length).toBeGreaterThan(0);
      expect(text).not.toBe(MODEL_TEXT);
    }

    // Another address has its own budget.
    expect(await askFresh(server.url, "other-0", OTHER)).toBe(MODEL_TEXT);
    expect(fake.requests).toHaveLength(4);

    const metrics = await scrape(server.url);
    expect(sampleValue(metrics, "pilotlight_model_errors_total", { code: "address_budget" })).toBe(3);
    expect(sampleValue(metrics, "pilotlight_rate_limited_total", { limiter: "model_calls_address" })).toBe(3);
  });

  it("0 turns the budget off", async () => {
    const { server, fake } = await start({ SUGGESTIONS_ENABLED: "false", MODEL_CALLS_PER_ADDRESS_PER_HOUR: "0" });
    for (let i = 0; i < 5; i++) expect(await askFresh(server.url, `off-${i}`, ATTACKER)).toBe(MODEL_TEXT);
    expect(fake.requests).toHaveLength(5);
  });
});

describe("chat: the budget during a model outage", () => {
  it("counts no call the open breaker refuses, so the address reaches the model again once it recovers", async () => {
    // The breaker's cool-off runs on this clock; the budget's hour does too and never ends here.
    const clock = createManualClock();
    const fake = await startFakeOpenAI({ default: { kind: "error", status: 500 } });
    const server = await startTestServer({
      clock,
      env: {
        OPENAI_BASE_URL: fake.url, LLM_MAX_RETRIES: "0", TRUST_PROXY: "loopback", MODEL_CALLS_PER_ADDRESS_PER_HOUR: "3",
        BREAKER_FAILURES: "2", BREAKER_COOLDOWN_MS: "60000", SUGGESTIONS_ENABLED: "false",
      },
    });
    try {
      // Two calls reach the failing model (they count) and open the breaker; the rules answer.
      for (let i = 0; i < 2; i++) expect(await askFresh(server.url, `outage-${i}`, ATTACKER)).not.toBe(MODEL_TEXT);
      expect(fake.requests).toHaveLength(2);
      // While it is open the model is not called, so nothing is counted (before: each of these used up budget).
      for (let i = 2; i < 6; i++) expect(await askFresh(server.url, `outage-${i}`, ATTACKER)).not.toBe(MODEL_TEXT);
      expect(fake.requests).toHaveLength(2);

      fake.setDefault({ kind: "reply", text: MODEL_TEXT });
      clock.advance(60_001);
      // The third call of the hour: within the budget of 3, so the recovered model answers.
      expect(await askFresh(server.url, "outage-after", ATTACKER)).toBe(MODEL_TEXT);
      expect(fake.requests).toHaveLength(3);
      expect(sampleValue(await scrape(server.url), "pilotlight_model_errors_total", { code: "address_budget" }) ?? 0).toBe(0);
    } finally {
      await server.close();
      await fake.close();
    }
  });
});

describe("suggestions: model calls per client address", () => {
  // Stamped now: older activity would be judged stale and never reach a model.
  const startInvoice = () => [
    rawEvent("pageview", `${ALLOWED_ORIGIN}/invoices`, undefined, { ts: Date.now() - 1_000 }),
    rawEvent("pageview", `${ALLOWED_ORIGIN}/invoices/new`, undefined, { ts: Date.now() }),
  ];

  it("counts suggestions for sessions an address captured against it; over budget the rules suggest and the decision says why", async () => {
    const { server, fake } = await start({ ALLOWED_ORIGINS: ALLOWED_ORIGIN, SUGGEST_DEBOUNCE_MS: "10", SUGGEST_MAX_WAIT_MS: "100", SUGGEST_PACE_HOLD_MAX_MS: "0" });
    const decisions = recordDecisions(server.app.services.suggestions);
    const decide = async (sessionId: string, address: string) => {
      const sent = await sendCapture(server.url, batch(sessionId, startInvoice()), { headers: { "x-forwarded-for": address } });
      expect(sent.status).toBe(202);
      return decisions.next({ sessionId });
    };

    const fromAttacker = [];
    for (let i = 0; i < 5; i++) fromAttacker.push(await decide(`cap-${i}`, ATTACKER));
    expect(fromAttacker.map((d) => [d.source, d.modelError])).toEqual([
      ["llm", null],
      ["llm", null],
      ["llm", null],
      ["rules", "address_budget"],
      ["rules", "address_budget"],
    ]);
    expect(fake.requests).toHaveLength(3);

    expect(await decide("cap-other", OTHER)).toMatchObject({ source: "llm", modelError: null });
    expect(fake.requests).toHaveLength(4);
  });

  it("counts rolling summaries too: over budget a session's summary is extractive and no model call is made", async () => {
    const { server, fake } = await start({
      ALLOWED_ORIGINS: ALLOWED_ORIGIN, SUGGEST_DEBOUNCE_MS: "10", SUGGEST_MAX_WAIT_MS: "100", SUGGEST_PACE_HOLD_MAX_MS: "0",
      SUMMARY_THRESHOLD: "3", SUMMARY_KEEP_ACTIONS: "1", MODEL_CALLS_PER_ADDRESS_PER_HOUR: "4",
    });
    const decisions = recordDecisions(server.app.services.suggestions);
    const pages = ["/invoices", "/customers", "/reports", "/invoices", "/invoices/new"];
    for (let i = 0; i < 4; i++) {
      const sessionId = `sum-${i}`;
      const events = pages.map((p, n) => rawEvent("pageview", `${ALLOWED_ORIGIN}${p}`, undefined, { ts: Date.now() - 5_000 + n * 1_000 }));
      expect((await sendCapture(server.url, batch(sessionId, events), { headers: { "x-forwarded-for": ATTACKER } })).status).toBe(202);
      await decisions.next({ sessionId });
    }
    // Each session folds a summary and asks for a suggestion: 8 calls wanted, the budget allows 4.
    expect(fake.requests).toHaveLength(4);
    const summaryPrompts = fake.requests.filter((r) => JSON.stringify(r.body).toLowerCase().includes("summar"));
    expect(summaryPrompts.length).toBeGreaterThan(0);
    // Every session still got its summary (extractive once over budget).
    for (let i = 0; i < 4; i++) {
      const ref = (await server.repos.sessions.idByKey("demo", `sum-${i}`))!;
      expect(await server.repos.summaries.latest(ref)).toBeDefined();
    }
  });
});

describe("widget handshakes behind a trusted proxy", () => {
  it("are limited per forwarded client address, like capture, not all together as the proxy's", async () => {
    const { server } = await start({ SUGGESTIONS_ENABLED: "false", RATE_LIMIT_PUBLIC_PER_MIN: "2" });
    const connect = (sessionId: string, address: string) =>
      connectWidget(server.url, { sessionId }, { headers: { "x-forwarded-for": address } }).then(
        (s) => (s.close(), "ok"),
        (err: Error & { data?: { code?: string } }) => err.data?.code ?? err.message,
      );
    expect([await connect("h-1", ATTACKER), await connect("h-2", ATTACKER), await connect("h-3", ATTACKER)]).toEqual(["ok", "ok", "rate_limited"]);
    expect(await connect("h-4", OTHER)).toBe("ok");
  });
});

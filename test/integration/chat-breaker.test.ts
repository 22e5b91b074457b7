/**
 * Chat goes through the same LLM gateway as suggestions: one circuit breaker for both. With the model hung,
 * chat failures open it, and once it is open a chat reply comes from the rules responder without the
 * model being called at all (asserted on the calls the fake server saw, never on time).
 */
import { describe, expect, it } from "vitest";
import type { FakeOpenAI } from "../helpers/fake-openai.js";
import { sampleValue, scrape } from "../helpers/metrics-text.js";
import { pushActions, TEAM_PAGE } from "../helpers/suggestions.js";
import { serverWithFakeModel } from "../helpers/server-with-fake-model.js";
import { ask, connectWidget } from "../helpers/widget-client.js";
import { waitFor } from "../helpers/wait.js";

/** The rules responder's answer on the demo's team page names the next step of inviting a teammate. */
const RULES_ANSWER = /Type your teammate's email address\./;

const start = serverWithFakeModel(
  { kind: "hang" },
  { LLM_TIMEOUT_MS: "300", LLM_MAX_RETRIES: "1", BREAKER_FAILURES: "2", BREAKER_COOLDOWN_MS: "600000" },
);

const chatCalls = (f: FakeOpenAI) => f.requests.filter((r) => r.body.stream === true).length;

describe("chat and the circuit breaker", () => {
  it("counts hung chat calls towards the breaker; once open, replies come from rules without calling the model", async () => {
    const { fake, server } = await start({ SUGGESTIONS_ENABLED: "false" });
    await pushActions(server.url, "cb-chat", TEAM_PAGE);
    const socket = await connectWidget(server.url, { sessionId: "cb-chat" });

    // Two hung calls (each retried once) time out; the rules answer each.
    for (let i = 0; i < 2; i++) {
      const { reply } = await ask(socket, `where do I go? ${i}`);
      expect(reply.text).toMatch(RULES_ANSWER);
    }
    expect(chatCalls(fake)).toBe(4);

    // The breaker is open: the next replies are the rules' and the model sees nothing more.
    for (let i = 0; i < 3; i++) {
      const { reply } = await ask(socket, `and now? ${i}`);
      expect(reply.text).toMatch(RULES_ANSWER);
    }
    expect(chatCalls(fake)).toBe(4);
    const text = await scrape(server.url);
    expect(sampleValue(text, "pilotlight_model_errors_total", { code: "breaker_open" })).toBe(3);
    expect(sampleValue(text, "pilotlight_model_breaker_state", { state: "open" })).toBe(1);
    socket.close();
  });

  it("shares the breaker with suggestions: opened by failing suggestion calls, chat answers from rules at once", async () => {
    const { fake, server } = await start({ SUGGEST_DEBOUNCE_MS: "0", SUGGEST_MAX_WAIT_MS: "0", LLM_MAX_RETRIES: "0" });
    fake.setDefault({ kind: "error", status: 500, message: "down" });
    for (const sid of ["cb-s1", "cb-s2"]) await pushActions(server.url, sid, TEAM_PAGE);
    await waitFor(() => fake.requests.length >= 2 && server.app.services.llm!.breakerState() === "open", "the breaker to open on suggestion failures");
    const before = fake.requests.length;

    const socket = await connectWidget(server.url, { sessionId: "cb-s1" });
    const { reply } = await ask(socket, "what next?");
    expect(reply.text).toMatch(RULES_ANSWER);
    expect(chatCalls(fake)).toBe(0);
    expect(fake.requests.length).toBe(before);
    socket.close();
  });
});

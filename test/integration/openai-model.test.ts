import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.js";
import { LlmError } from "../../server/errors.js";
import { createSilentLogger } from "../../server/logger.js";
import type { ChatMessage } from "../../server/llm/llm-port.js";
import { createOpenAIModel } from "../../server/llm/openai-adapter.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai.js";

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.setDefault({ kind: "reply", text: "default reply" });
});

const messages: ChatMessage[] = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "Say hello." },
];

function client(env: Record<string, string> = {}) {
  const config = loadConfig({ OPENAI_BASE_URL: fake.url, OPENAI_MODEL: "fake-mini", LLM_TIMEOUT_MS: "2000", LLM_MAX_RETRIES: "0", ...env });
  return createOpenAIModel(config, createSilentLogger());
}

async function expectLlmError(promise: Promise<unknown>, code: string) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LlmError);
  expect((err as LlmError).code).toBe(code);
}

describe("the openai adapter against an OpenAI-compatible server", () => {
  it("completes a chat, sending the model and messages, and reports token usage", async () => {
    fake.enqueue({ kind: "reply", text: "Hello there.", usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 } });
    const res = await client().complete(messages, { maxTokens: 50 });
    expect(res).toEqual({ text: "Hello there.", model: "fake-mini", usage: { promptTokens: 11, completionTokens: 3, totalTokens: 14 } });
    const req = fake.requests[0]!;
    expect(req.body.model).toBe("fake-mini");
    expect(req.body.messages).toEqual(messages);
    expect(req.body.max_tokens).toBe(50);
    expect(req.body.stream).toBeFalsy();
  });

  it("streams deltas in order, ending with usage", async () => {
    fake.enqueue({ kind: "stream", deltas: ["Hel", "lo ", "world", "."], chunkDelayMs: 5, usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } });
    const stream = client().streamChat(messages);
    const got: string[] = [];
    for await (const delta of stream) got.push(delta);
    expect(got).toEqual(["Hel", "lo ", "world", "."]);
    expect(stream.usage).toEqual({ promptTokens: 9, completionTokens: 4, totalTokens: 13 });
    expect(fake.requests[0]!.body.stream).toBe(true);
    expect(fake.requests[0]!.body.stream_options).toEqual({ include_usage: true });
  });

  it("stops a stream on the wire when its signal aborts", async () => {
    fake.enqueue({ kind: "stream", deltas: ["one ", "two ", "three ", "four"], chunkDelayMs: 200 });
    const controller = new AbortController();
    const got: string[] = [];
    const consume = (async () => {
      for await (const delta of client().streamChat(messages, { signal: controller.signal })) {
        got.push(delta);
        if (got.length === 1) controller.abort();
      }
    })();
    await expectLlmError(consume, "llm_aborted");
    expect(got).toEqual(["one "]);
    await fake.waitForRequests(1);
    expect(fake.requests[0]!.completed).toBe(false);
  });

  it("maps a slow reply past LLM_TIMEOUT_MS to llm_timeout", async () => {
    fake.enqueue({ kind: "reply", text: "too late", delayMs: 3_000 });
    await expectLlmError(client({ LLM_TIMEOUT_MS: "200" }).complete(messages), "llm_timeout");
    expect(fake.requests).toHaveLength(1);
  });

  it("retries a 429 after its retry-after and succeeds", async () => {
    fake.enqueue({ kind: "error", status: 429, retryAfterMs: 20, message: "slow down" }, { kind: "reply", text: "after the wait" });
    const res = await client({ LLM_MAX_RETRIES: "2" }).complete(messages);
    expect(res.text).toBe("after the wait");
    expect(fake.requests.map((r) => r.script)).toEqual(["error", "reply"]);
  });

  it("maps errors to stable codes: 500 → llm_unavailable, 401 → llm_rejected, 429 without retries → llm_rate_limited", async () => {
    fake.enqueue({ kind: "error", status: 500 });
    await expectLlmError(client().complete(messages), "llm_unavailable");
    fake.enqueue({ kind: "error", status: 401, message: "bad key" });
    await expectLlmError(client().complete(messages), "llm_rejected");
    fake.enqueue({ kind: "error", status: 429, retryAfterS: 1 });
    await expectLlmError(client().complete(messages), "llm_rate_limited");
  });

  it("maps an unreachable server to llm_unavailable", async () => {
    const c = createOpenAIModel(
      loadConfig({ OPENAI_BASE_URL: "http://127.0.0.1:9/v1", LLM_MAX_RETRIES: "0", LLM_TIMEOUT_MS: "2000" }),
      createSilentLogger(),
    );
    await expectLlmError(c.complete(messages), "llm_unavailable");
  });

  it("cancels a pending completion when its signal aborts", async () => {
    fake.enqueue({ kind: "hang" });
    const controller = new AbortController();
    const pending = client().complete(messages, { signal: controller.signal });
    await fake.waitForRequests(1);
    controller.abort();
    await expectLlmError(pending, "llm_aborted");
  });
});

/**
 * The LLM adapter: the only module that imports `openai`. It speaks chat completions to any
 * OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp, gateways) with an explicit timeout and retry
 * count from config, maps the SDK's errors to LlmError, and reports token usage.
 *
 * Two calls: `complete()` (one reply; suggestions and summaries) and `streamChat()` (deltas as they arrive;
 * the chat reply). Both take an AbortSignal so a superseded or abandoned call stops on the wire.
 */
import OpenAI from "openai";
import type { Config } from "../config.js";
import { LlmError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { TokenUsage } from "../../db/suggestion.repository.js";
import type { LlmClient } from "./llm-port.js";

export type LlmConfig = Pick<Config, "OPENAI_API_KEY" | "OPENAI_BASE_URL" | "OPENAI_MODEL" | "LLM_TIMEOUT_MS" | "LLM_MAX_RETRIES">;

const OPENAI_DEFAULT_URL = "https://api.openai.com/v1";

interface SdkUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

function toUsage(u: SdkUsage | null | undefined): TokenUsage | null {
  if (!u) return null;
  const promptTokens = u.prompt_tokens ?? 0;
  const completionTokens = u.completion_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: u.total_tokens ?? promptTokens + completionTokens };
}

/** SDK error → LlmError with a stable code. The upstream's own message is kept short: it is not ours to echo at length. */
export function toLlmError(err: unknown, signal?: AbortSignal): LlmError {
  if (err instanceof LlmError) return err;
  if (err instanceof OpenAI.APIUserAbortError || signal?.aborted) return new LlmError("llm_aborted", "the LLM call was cancelled");
  if (err instanceof OpenAI.APIConnectionTimeoutError) return new LlmError("llm_timeout", "the LLM did not answer in time");
  if (err instanceof OpenAI.APIConnectionError) return new LlmError("llm_unavailable", "cannot reach the LLM server");
  if (err instanceof OpenAI.APIError) {
    const status = err.status;
    const detail = err.message.slice(0, 200);
    if (status === 429) return new LlmError("llm_rate_limited", `the LLM server is rate limiting (${detail})`, status);
    if (status === 408) return new LlmError("llm_timeout", `the LLM server timed out (${detail})`, status);
    if (status !== undefined && status >= 500) return new LlmError("llm_unavailable", `the LLM server failed (${detail})`, status);
    return new LlmError("llm_rejected", `the LLM server refused the request (${detail})`, status);
  }
  return new LlmError("llm_unavailable", `LLM call failed: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`);
}

export function createOpenAIModel(config: LlmConfig, logger: Logger): LlmClient {
  const client = new OpenAI({
    // Local servers (Ollama, llama.cpp) need no key, but the SDK insists on one.
    apiKey: config.OPENAI_API_KEY ?? "not-needed",
    // Explicit values, so the SDK never reads process.env itself.
    baseURL: config.OPENAI_BASE_URL ?? OPENAI_DEFAULT_URL,
    organization: null,
    project: null,
    webhookSecret: null,
    timeout: config.LLM_TIMEOUT_MS,
    maxRetries: config.LLM_MAX_RETRIES,
    logLevel: "off",
  });
  const model = config.OPENAI_MODEL;
  const log = logger.child({ component: "llm", model });

  return {
    model,

    async complete(messages, options = {}) {
      const started = performance.now();
      try {
        const res = await client.chat.completions.create(
          {
            model,
            messages: messages.map((m) => ({ role: m.role, content: m.content })),
            ...(options.maxTokens !== undefined ? { max_tokens: options.maxTokens } : {}),
            ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
          },
          { signal: options.signal },
        );
        const text = res.choices[0]?.message?.content ?? "";
        const usage = toUsage(res.usage);
        log.debug({ ms: Math.round(performance.now() - started), tokens: usage?.totalTokens }, "LLM completion");
        return { text, model: res.model || model, usage };
      } catch (err) {
        const mapped = toLlmError(err, options.signal);
        if (mapped.code !== "llm_aborted") log.warn({ code: mapped.code, status: mapped.upstreamStatus }, "LLM completion failed");
        throw mapped;
      }
    },

    streamChat(messages, options = {}) {
      let usage: TokenUsage | null = null;
      async function* deltas(): AsyncGenerator<string> {
        try {
          const stream = await client.chat.completions.create(
            {
              model,
              messages: messages.map((m) => ({ role: m.role, content: m.content })),
              stream: true,
              stream_options: { include_usage: true },
              ...(options.maxTokens !== undefined ? { max_tokens: options.maxTokens } : {}),
              ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
            },
            { signal: options.signal },
          );
          for await (const chunk of stream) {
            if (chunk.usage) usage = toUsage(chunk.usage);
            const delta = chunk.choices[0]?.delta?.content;
            if (delta) yield delta;
          }
          // The SDK ends an aborted stream quietly; the caller must know the reply is cut short.
          if (options.signal?.aborted) throw new LlmError("llm_aborted", "the LLM call was cancelled");
        } catch (err) {
          const mapped = toLlmError(err, options.signal);
          if (mapped.code !== "llm_aborted") log.warn({ code: mapped.code, status: mapped.upstreamStatus }, "LLM stream failed");
          throw mapped;
        }
      }
      const iterable = deltas();
      return {
        [Symbol.asyncIterator]: () => iterable,
        get usage() {
          return usage;
        },
      };
    },
  };
}

/**
 * Observes every LLM call — suggestions, summaries and chat — at the one place they all pass through:
 * latency by outcome, and errors by our error code.
 */
import { LlmError } from "../errors.js";
import type { Metrics } from "../metrics.js";
import type { ChatStream, LlmClient } from "./llm-port.js";

export function instrumentLlm(llm: LlmClient, metrics: Metrics): LlmClient {
  const observe = (purpose: "complete" | "chat", started: number, err?: unknown) => {
    const outcome = err === undefined ? "ok" : err instanceof LlmError ? err.code : "error";
    metrics.modelLatency.observe({ model: llm.model, purpose, outcome }, (performance.now() - started) / 1000);
    if (err !== undefined && !(err instanceof LlmError && err.code === "llm_aborted")) metrics.modelErrors.inc({ code: outcome });
  };
  return {
    model: llm.model,
    async complete(messages, options) {
      const started = performance.now();
      try {
        const result = await llm.complete(messages, options);
        observe("complete", started);
        return result;
      } catch (err) {
        observe("complete", started, err);
        throw err;
      }
    },
    streamChat(messages, options): ChatStream {
      const stream = llm.streamChat(messages, options);
      return {
        get usage() {
          return stream.usage;
        },
        async *[Symbol.asyncIterator]() {
          const started = performance.now();
          try {
            yield* stream;
            observe("chat", started);
          } catch (err) {
            observe("chat", started, err);
            throw err;
          }
        },
      };
    },
  };
}

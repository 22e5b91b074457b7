/**
 * The one LLM gateway (ARCHITECTURE.md `llm/`): suggestions, rolling summaries and chat all call the model
 * through it, so they share one circuit breaker, one redaction step and one set of metrics.
 *
 *   caller → breaker (refuses at once while open) → metrics → redaction → adapter (timeout, retries) → server
 *
 * A call the open breaker refuses throws `LlmError("llm_breaker_open")` without touching the network;
 * callers answer from rules. Failures of any caller count towards opening it; a cancelled call (superseded
 * or shut down) counts for nothing.
 */
import type { Clock } from "../clock.js";
import { LlmError } from "../errors.js";
import type { Metrics } from "../metrics.js";
import { createCircuitBreaker, type BreakerState, type CircuitBreaker } from "./circuit-breaker.js";
import { instrumentLlm } from "./llm-metrics.js";
import type { CallOptions, ChatStream, LlmClient } from "./llm-port.js";
import { redactMessages } from "./redact-messages.js";

export interface LlmGateway extends LlmClient {
  breakerState(): BreakerState;
}

export interface LlmGatewayDeps {
  /** The adapter (createLlmClient), or a test's own implementation of the port. */
  client: LlmClient;
  metrics: Metrics;
  clock: Clock;
  /** BREAKER_FAILURES consecutive failures open it for BREAKER_COOLDOWN_MS. */
  breaker: { failures: number; cooldownMs: number };
}

/** An LlmClient that redacts personal data from every message before the model sees it. */
function withRedaction(llm: LlmClient): LlmClient {
  return {
    model: llm.model,
    complete: (messages, options) => llm.complete(redactMessages(messages).messages, options),
    streamChat: (messages, options) => llm.streamChat(redactMessages(messages).messages, options),
  };
}

const isCancel = (err: unknown, options: CallOptions | undefined) =>
  Boolean(options?.signal?.aborted) || (err instanceof LlmError && err.code === "llm_aborted");

export function createLlmGateway(deps: LlmGatewayDeps): LlmGateway {
  const { metrics } = deps;
  const inner = instrumentLlm(withRedaction(deps.client), metrics);
  const breaker: CircuitBreaker = createCircuitBreaker({ ...deps.breaker, clock: deps.clock });
  const showState = () => metrics.breakerState.set(breaker.state());
  // Open turns half-open with time alone: a scrape reads the state as of now.
  metrics.onScrape(showState);

  function acquire(): void {
    if (breaker.tryAcquire()) return;
    metrics.modelErrors.inc({ code: "breaker_open" });
    throw new LlmError("llm_breaker_open", "the LLM is failing and its circuit breaker is open; the rules answer meanwhile");
  }

  function settle(err: unknown, options: CallOptions | undefined): void {
    if (isCancel(err, options)) breaker.onCancel();
    else if (err === undefined) breaker.onSuccess();
    else breaker.onFailure();
    showState();
  }

  return {
    model: inner.model,
    breakerState: () => breaker.state(),

    async complete(messages, options) {
      acquire();
      try {
        const result = await inner.complete(messages, options);
        settle(undefined, options);
        return result;
      } catch (err) {
        settle(err, options);
        throw err;
      }
    },

    streamChat(messages, options): ChatStream {
      let stream: ChatStream | undefined;
      return {
        get usage() {
          return stream?.usage ?? null;
        },
        async *[Symbol.asyncIterator]() {
          // The breaker is asked when the reply is wanted, not when the iterable is built.
          acquire();
          let settled = false;
          try {
            stream = inner.streamChat(messages, options);
            yield* stream;
            settled = true;
            settle(undefined, options);
          } catch (err) {
            settled = true;
            settle(err, options);
            throw err;
          } finally {
            // The caller stopped reading (its reply was long enough): the server did answer.
            if (!settled) settle(undefined, options);
          }
        },
      };
    },
  };
}

/** Chat replies streamed from the configured LLM through the gateway (its breaker refuses at once while open). */
import type { LlmClient } from "../llm/llm-port.js";
import type { ChatResponder } from "./chat-responder.js";
import { buildChatPrompt } from "./chat-prompt.js";

export function createLlmChatResponder(llm: LlmClient, opts: { maxContextChars: number; maxActions?: number }): ChatResponder {
  return {
    source: "llm",
    stream(ctx, signal) {
      return llm.streamChat(buildChatPrompt(ctx, { maxChars: opts.maxContextChars, maxActions: opts.maxActions ?? 30 }), { signal });
    },
  };
}

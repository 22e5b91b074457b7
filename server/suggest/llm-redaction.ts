/** An LlmClient that redacts personal data from every message before the model sees it. */
import { redactMessages } from "../privacy/redact-messages.js";
import type { LlmClient } from "./openai.model.js";

export function withRedaction(llm: LlmClient): LlmClient {
  return {
    model: llm.model,
    complete: (messages, options) => llm.complete(redactMessages(messages).messages, options),
    streamChat: (messages, options) => llm.streamChat(redactMessages(messages).messages, options),
  };
}

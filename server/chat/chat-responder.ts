/**
 * How a chat reply is produced: a stream of text pieces. The rules responder needs nothing but the
 * context; the LLM responder (wired where the LLM adapter lives) streams from the model.
 */
import type { ChatContext } from "./chat-context.js";
import { composeRulesReply } from "./rules-reply.js";

export interface ChatResponder {
  readonly source: "llm" | "rules";
  stream(ctx: ChatContext, signal: AbortSignal): AsyncIterable<string>;
}

/** Splits text into word-sized pieces so an offline reply streams like a model's would. */
export function* pieces(text: string, size = 4): Generator<string> {
  const tokens = text.match(/\S+\s*/g) ?? [];
  for (let i = 0; i < tokens.length; i += size) yield tokens.slice(i, i + size).join("");
}

export const rulesResponder: ChatResponder = {
  source: "rules",
  async *stream(ctx) {
    yield* pieces(composeRulesReply(ctx));
  },
};

/**
 * The LLM port: what Pilotlight asks of a chat-completions model. The OpenAI adapter implements it (and is
 * the only module importing `openai`); the gateway wraps it with redaction, metrics and the circuit
 * breaker; suggestions, summaries and chat use the gateway through this same shape.
 */
import type { TokenUsage } from "../../db/suggestion.repository.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface CallOptions {
  signal?: AbortSignal;
  maxTokens?: number;
  temperature?: number;
}

export interface Completion {
  text: string;
  /** The model the server says answered (may differ from the one asked for, e.g. a dated variant). */
  model: string;
  usage: TokenUsage | null;
}

/** Deltas of one streamed reply; `usage` is filled in once the stream has ended (when the server sends it). */
export interface ChatStream extends AsyncIterable<string> {
  readonly usage: TokenUsage | null;
}

export interface LlmClient {
  /** The model name requests ask for (OPENAI_MODEL). */
  readonly model: string;
  complete(messages: readonly ChatMessage[], options?: CallOptions): Promise<Completion>;
  streamChat(messages: readonly ChatMessage[], options?: CallOptions): ChatStream;
}

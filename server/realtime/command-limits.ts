/**
 * Limits on what one widget may ask of the server (PROTOCOL.md §3.2 commands). Over a limit the command is
 * answered `{ok:false, error:{code:"rate_limited"}}` and the socket stays connected.
 *
 *   every command, per socket                      WIDGET_COMMANDS_PER_MIN
 *   every command, per conversation (all sockets)  WIDGET_CONVERSATION_COMMANDS_PER_MIN
 *   message:send, per conversation                 CHAT_MESSAGES_PER_MIN
 *   chat replies from the LLM, per conversation    CHAT_MODEL_CALLS_PER_HOUR (only when an LLM is configured)
 *
 * Counters live in the app's bounded rate-limit stores (keyed by socket id and conversation id), never on
 * anything the client chose.
 */
import type { RateLimiter, RateLimits } from "../http/rate-limit.js";

export interface CommandLimitSettings {
  perSocketPerMinute: number;
  perConversationPerMinute: number;
  messagesPerMinute: number;
  modelCallsPerHour: number;
  /** Whether chat replies call a model (an LLM is configured). */
  chatUsesModel: boolean;
}

const HOUR_MS = 3_600_000;

async function admit(limiter: RateLimiter, key: string): Promise<void> {
  const decision = await limiter.checkKey(key);
  if (!decision.allowed) throw limiter.errorFor(decision);
}

export function createCommandLimits(rateLimits: RateLimits, s: CommandLimitSettings) {
  const socket = rateLimits.create({ name: "widget_socket", perMinute: s.perSocketPerMinute, scope: "one widget connection" });
  const conversation = rateLimits.create({ name: "widget_conversation", perMinute: s.perConversationPerMinute, scope: "one conversation" });
  const messages = rateLimits.create({ name: "chat_messages", perMinute: s.messagesPerMinute, scope: "one conversation" });
  const modelCalls = s.chatUsesModel
    ? rateLimits.create({ name: "chat_model_calls", perMinute: s.modelCallsPerHour, windowMs: HOUR_MS, scope: "one conversation" })
    : undefined;

  return {
    /** Any command from a socket; `conversationKey` is its conversation (or its session before it has one). */
    async admitCommand(socketId: string, conversationKey: string): Promise<void> {
      await admit(socket, socketId);
      await admit(conversation, conversationKey);
    },

    /** A chat message to an existing conversation (and the model call its reply makes). */
    async admitMessage(conversationId: string): Promise<void> {
      await admit(messages, conversationId);
      if (modelCalls) await admit(modelCalls, conversationId);
    },

    /** The first message, which created its conversation, counts towards that conversation's limits too. */
    async countFirstMessage(conversationId: string): Promise<void> {
      await messages.checkKey(conversationId);
      await modelCalls?.checkKey(conversationId);
    },
  };
}

export type CommandLimits = ReturnType<typeof createCommandLimits>;

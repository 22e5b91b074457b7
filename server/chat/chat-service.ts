/**
 * Chat use cases: a user's message (idempotent by clientMessageId), the streamed reply with live context,
 * and conversation sync. Emits facts through an outbox it is given — never through Socket.IO directly.
 * (Proactive suggestions enter conversations through suggestion-delivery.ts.)
 */
import type { Message } from "../../db/message.repository.js";
import type { Repositories } from "../../db/repositories.js";
import type { Clock } from "../clock.js";
import type { ConversationSynced, MessageSent, ServerToClientEvents } from "../contracts/realtime.js";
import { LlmError } from "../errors.js";
import type { Logger } from "../logger.js";
import { newMessageId, type ConversationMapping } from "../sessions/conversation-mapping.js";
import type { WorkflowSource } from "../workflows/workflow-catalog.js";
import type { Workflow } from "../workflows/workflows.schema.js";
import { assembleChatContext, type AssembleOptions, type ChatContext } from "./chat-context.js";
import { rulesResponder, type ChatResponder } from "./chat-responder.js";
import { presentMessage } from "./present.js";

/** Facts announced to a conversation's widgets (suggestion:created goes out with an acknowledgement instead). */
export type ConversationEvent = Exclude<keyof ServerToClientEvents, "suggestion:created">;

export interface ConversationOutbox {
  emit<E extends ConversationEvent>(conversationId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
}

export interface ChatDeps {
  repos: Repositories;
  clock: Clock;
  logger: Logger;
  mapping: ConversationMapping;
  outbox: ConversationOutbox;
  workflows: WorkflowSource;
  /** The user's memory as prompt lines (against the product's workflows); absent: none. */
  memoryOf?: (sessionRef: number, workflows: readonly Workflow[], now: number) => readonly string[];
  /** Primary responder (the LLM when configured); rules are the fallback. */
  responder: ChatResponder;
  /** Told when the user sends a message, so proactive suggestions hold back. */
  onUserMessage: (sessionRef: number) => void;
  context: AssembleOptions;
  maxReplyChars: number;
}

/** A suggestion the engine decided to show (what the conversation stores and announces of it). */
export interface SuggestionToDeliver {
  id: number;
  productId: string;
  sessionRef: number;
  sessionId: string;
  text: string;
  source: "llm" | "rules";
  /** Wall-clock ms. */
  createdAt: number;
  evidence: number[];
}

export interface Sender {
  productId: string;
  sessionRef: number;
  userId: string | null;
}

export function createChatService(deps: ChatDeps) {
  const { repos, mapping, outbox, logger } = deps;
  const replies = new Map<string, Promise<void>>();
  /** Replies in flight, each with its own controller; `drain(true)` aborts them all and starts no more. */
  const inFlight = new Set<AbortController>();
  let aborting = false;

  /**
   * A signal for one reply. Never one shared by all replies: the openai SDK keeps a listener on every signal it
   * is given, so a long-lived one would collect one per reply.
   */
  function replySignal(): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    if (aborting) controller.abort();
    inFlight.add(controller);
    return { signal: controller.signal, release: () => inFlight.delete(controller) };
  }

  async function streamReply(responder: ChatResponder, ctx: ChatContext, conversationId: string, id: string) {
    let text = "";
    const { signal, release } = replySignal();
    try {
      for await (const delta of responder.stream(ctx, signal)) {
        if (signal.aborted) break;
        const piece = delta.slice(0, Math.max(0, deps.maxReplyChars - text.length));
        if (!piece) break;
        text += piece;
        outbox.emit(conversationId, "message:delta", { id, conversationId, delta: piece });
      }
    } finally {
      release();
    }
    return text;
  }

  async function reply(sender: Sender, question: Message): Promise<void> {
    const conversationId = question.conversationId;
    const ctx = assembleChatContext(
      { repos, workflows: deps.workflows, now: deps.clock.now(), ...(deps.memoryOf ? { memoryOf: deps.memoryOf } : {}) },
      { productId: sender.productId, sessionRef: sender.sessionRef, userId: sender.userId, question },
      deps.context,
    );
    const id = newMessageId();
    let text = "";
    try {
      text = await streamReply(deps.responder, ctx, conversationId, id);
    } catch (err) {
      if (aborting) return;
      // An open breaker is the expected way for a failing model to answer: not worth a warning per message.
      const level = err instanceof LlmError && err.code === "llm_breaker_open" ? "debug" : "warn";
      logger[level]({ err, conversationId, responder: deps.responder.source }, "chat reply failed; answering from rules");
    }
    if (aborting) return;
    if (!text.trim()) {
      // Nothing usable came from the model: answer from the rules, continuing the same message id.
      text += await streamReply(rulesResponder, ctx, conversationId, id);
    }
    const message = mapping.append({ id, conversationId, role: "assistant", text: text.trim(), sessionRef: sender.sessionRef });
    outbox.emit(conversationId, "message:created", presentMessage(message));
  }

  /** Replies one at a time per conversation, in the order the questions arrived. */
  function enqueueReply(sender: Sender, question: Message): void {
    const conversationId = question.conversationId;
    const previous = replies.get(conversationId) ?? Promise.resolve();
    const next = previous
      .then(() => reply(sender, question))
      .catch((err: unknown) => logger.error({ err, conversationId }, "chat reply crashed"))
      .finally(() => {
        if (replies.get(conversationId) === next) replies.delete(conversationId);
      });
    replies.set(conversationId, next);
  }

  return {
    /** Stores the user's message (once per clientMessageId), announces it and starts the reply. */
    sendUserMessage(sender: Sender, input: { clientMessageId: string; text: string }): MessageSent {
      const { conversation } = mapping.ensure(sender.productId, sender.sessionRef);
      const existing = repos.messages.byClientId(conversation.id, input.clientMessageId);
      if (existing) return { messageId: existing.id, conversationId: conversation.id, seq: existing.seq };
      const message = mapping.append({
        conversationId: conversation.id,
        role: "user",
        text: input.text,
        sessionRef: sender.sessionRef,
        clientMessageId: input.clientMessageId,
      });
      outbox.emit(conversation.id, "message:created", presentMessage(message));
      deps.onUserMessage(sender.sessionRef);
      enqueueReply(sender, message);
      return { messageId: message.id, conversationId: conversation.id, seq: message.seq };
    },

    /** Everything after `afterSeq` in the session's conversation (nothing when it has none yet). */
    sync(sessionRef: number, afterSeq: number, limit: number): ConversationSynced {
      const conversation = mapping.conversationOf(sessionRef);
      if (!conversation) return { messages: [], hasMore: false };
      const page = repos.messages.after(conversation.id, afterSeq, limit + 1);
      return { messages: page.slice(0, limit).map(presentMessage), hasMore: page.length > limit };
    },

    /** Waits for replies in flight (tests, shutdown); `abort` cuts them short instead. */
    async drain(abort = false): Promise<void> {
      if (abort) {
        aborting = true;
        for (const controller of inFlight) controller.abort();
      }
      await Promise.all([...replies.values()]);
    },
  };
}

export type ChatService = ReturnType<typeof createChatService>;

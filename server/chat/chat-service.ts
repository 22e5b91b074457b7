/**
 * Chat use cases: a user's message (idempotent by clientMessageId), the streamed reply with live context,
 * and conversation sync. Emits facts through an outbox it is given — never through Socket.IO directly.
 * (Proactive suggestions enter conversations through suggestion-delivery.ts.)
 */
import type { Message } from "../../db/message.repository.js";
import type { RepositoryPorts, Store } from "../../db/store.js";
import type { KeyedLock } from "../cluster/keyed-lock.js";
import { acquireWaiting, holdWhileRunning } from "../cluster/lock-holding.js";
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
  repos: Store;
  clock: Clock;
  logger: Logger;
  mapping: ConversationMapping;
  outbox: ConversationOutbox;
  workflows: WorkflowSource;
  /** The user's memory as prompt lines (against the product's workflows); absent: none. */
  memoryOf?: (sessionRef: number, workflows: readonly Workflow[], now: number) => Promise<readonly string[]>;
  /** Primary responder (the LLM when configured); rules are the fallback. */
  responder: ChatResponder;
  /** Whether the sender's address may cause one more model call (MODEL_CALLS_PER_ADDRESS_PER_HOUR); absent: always. */
  admitModel?: (sender: Sender) => Promise<boolean>;
  /**
   * Told when the user sends a message, in the transaction that stores it, so proactive suggestions hold back
   * from the moment the message is acknowledged (an evaluation right after must see it).
   */
  onUserMessage: (sessionRef: number, tx: RepositoryPorts) => Promise<void>;
  context: AssembleOptions;
  maxReplyChars: number;
  /**
   * Server mode: replies to one conversation one at a time across instances (the KeyedLock
   * `reply:<conversation>`). Absent in one process, where the in-process chain is the whole guarantee.
   */
  replyLock?: KeyedLock;
}

/** A reply's lock outlives a crashed instance by at most this; a live holder extends it. */
const REPLY_LOCK_TTL_MS = 20_000;
/** The longest a reply waits for another instance's reply to the same conversation; then it answers anyway. */
const REPLY_LOCK_WAIT_MS = 120_000;

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
  /** The widget's client address, when known (the per-address model budget counts against it). */
  address?: string | undefined;
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
    const ctx = await assembleChatContext(
      { repos, workflows: deps.workflows, now: deps.clock.now(), ...(deps.memoryOf ? { memoryOf: deps.memoryOf } : {}) },
      { productId: sender.productId, sessionRef: sender.sessionRef, userId: sender.userId, question },
      deps.context,
    );
    const id = newMessageId();
    let text = "";
    // Over its address's budget the sender is answered from the rules (not refused): the budget bounds spend, not chat.
    const overBudget = deps.responder.source === "llm" && deps.admitModel !== undefined && !(await deps.admitModel(sender));
    // Debug, not info: a flooding address would fill the log (pilotlight_model_errors_total{code="address_budget"} counts it).
    if (overBudget) logger.debug({ conversationId }, "chat reply from rules: the sender's address is over its model-call budget");
    try {
      if (!overBudget) text = await streamReply(deps.responder, ctx, conversationId, id);
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
    const message = await mapping.append({ id, conversationId, role: "assistant", text: text.trim(), sessionRef: sender.sessionRef });
    outbox.emit(conversationId, "message:created", presentMessage(message));
  }

  /**
   * The reply, after any other instance's reply to the same conversation (server mode). Waiting is bounded:
   * past REPLY_LOCK_WAIT_MS (a holder that cannot finish, a lock backend that is down) it answers anyway,
   * since a late reply out of turn beats none.
   */
  async function replyInTurn(sender: Sender, question: Message): Promise<void> {
    const locks = deps.replyLock;
    if (!locks) return reply(sender, question);
    const conversationId = question.conversationId;
    // Shutdown (drain(true)) ends the wait too: this instance answers nothing more.
    const { signal, release: forget } = replySignal();
    let lock;
    try {
      lock = await acquireWaiting(locks, `reply:${conversationId}`, { ttlMs: REPLY_LOCK_TTL_MS, maxWaitMs: REPLY_LOCK_WAIT_MS, signal }).catch((err: unknown) => {
        logger.warn({ err, conversationId }, "reply lock unavailable; replying without it");
        return null;
      });
    } finally {
      forget();
    }
    if (aborting) {
      await lock?.release().catch(() => false);
      return;
    }
    if (!lock) logger.warn({ conversationId }, "replying without the conversation's reply lock");
    const release = lock ? holdWhileRunning(lock, REPLY_LOCK_TTL_MS) : async () => undefined;
    try {
      await reply(sender, question);
    } finally {
      await release();
    }
  }

  /** Replies one at a time per conversation, in the order the questions arrived (on this instance; see replyInTurn). */
  function enqueueReply(sender: Sender, question: Message): void {
    const conversationId = question.conversationId;
    const previous = replies.get(conversationId) ?? Promise.resolve();
    const next = previous
      .then(() => replyInTurn(sender, question))
      .catch((err: unknown) => logger.error({ err, conversationId }, "chat reply crashed"))
      .finally(() => {
        if (replies.get(conversationId) === next) replies.delete(conversationId);
      });
    replies.set(conversationId, next);
  }

  return {
    /** Stores the user's message (once per clientMessageId), announces it and starts the reply. */
    async sendUserMessage(sender: Sender, input: { clientMessageId: string; text: string }): Promise<MessageSent> {
      const { conversation } = await mapping.ensure(sender.productId, sender.sessionRef);
      // Check and store in one transaction: a message sent twice at once is stored once.
      const stored = await repos.transaction(async (tx) => {
        const existing = await tx.messages.byClientId(conversation.id, input.clientMessageId);
        if (existing) return { existing };
        const message = await mapping.append({
          conversationId: conversation.id,
          role: "user",
          text: input.text,
          sessionRef: sender.sessionRef,
          clientMessageId: input.clientMessageId,
        }, tx);
        await deps.onUserMessage(sender.sessionRef, tx);
        return { message };
      });
      if (stored.existing) return { messageId: stored.existing.id, conversationId: conversation.id, seq: stored.existing.seq };
      const message = stored.message!;
      outbox.emit(conversation.id, "message:created", presentMessage(message));
      enqueueReply(sender, message);
      return { messageId: message.id, conversationId: conversation.id, seq: message.seq };
    },

    /** Everything after `afterSeq` in the session's conversation (nothing when it has none yet). */
    async sync(sessionRef: number, afterSeq: number, limit: number): Promise<ConversationSynced> {
      const conversation = await mapping.conversationOf(sessionRef);
      if (!conversation) return { messages: [], hasMore: false };
      const page = await repos.messages.after(conversation.id, afterSeq, limit + 1);
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

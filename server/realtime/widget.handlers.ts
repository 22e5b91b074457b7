/**
 * The widget's commands (PROTOCOL.md §3.2), each limited (command-limits.ts), validated and acknowledged.
 * Every packet first passes the socket's and the conversation's limits; events outside the contract are
 * answered `unknown_event` there too.
 */
import type { IncomingMessage } from "node:http";
import type { Socket } from "socket.io";
import type { RepositoryPorts } from "../../db/store.js";
import type { ChatService } from "../chat/chat-service.js";
import type { SuggestionDelivery } from "../chat/suggestion-delivery.js";
import {
  ConversationSyncSchema,
  MessageSendSchema,
  SuggestionFeedbackSchema,
  TypingSchema,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SocketData,
} from "../contracts/realtime.js";
import { NotFoundError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { ConversationMapping } from "../sessions/conversation-mapping.js";
import { handleCommand, handleUnknownEvent, refuseCommand } from "./ack.js";
import type { CommandLimits } from "./command-limits.js";

export type WidgetSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** What the suggestion engine needs to hear from the widget (its gates). */
export interface SuggestionHooks {
  noteTyping(sessionRef: number, active: boolean): Promise<void>;
  recordFeedback(suggestionId: number, verdict: "accepted" | "dismissed"): Promise<unknown>;
}

export interface HandlerDeps {
  logger: Logger;
  metrics: Metrics;
  repos: RepositoryPorts;
  chat: ChatService;
  mapping: ConversationMapping;
  hooks: SuggestionHooks;
  delivery: Pick<SuggestionDelivery, "confirmShown">;
  limits: CommandLimits;
  /** The client address of a request as express sees it (TRUST_PROXY honoured): the handshake's, here. */
  clientAddress: (req: IncomingMessage) => string | undefined;
}

/** The commands registered below (PROTOCOL.md §3.2); anything else is answered `unknown_event`. */
const COMMANDS: ReadonlySet<string> = new Set<keyof ClientToServerEvents>(["message:send", "suggestion:feedback", "conversation:sync", "typing"]);

export function registerWidgetHandlers(socket: WidgetSocket, deps: HandlerDeps): void {
  const { repos, chat, mapping, hooks, delivery, limits } = deps;
  const data = socket.data;
  const ctx = { logger: deps.logger, onResult: (event: string, result: string) => deps.metrics.socketEvents.inc({ event, result }) };
  const unknownEvent = handleUnknownEvent(ctx, COMMANDS);
  const address = deps.clientAddress(socket.request);

  // Runs for every packet, before any handler (onAny listeners would run before it: unknown events are answered here).
  socket.use(([event, ...args], next) => {
    const known = typeof event === "string" && COMMANDS.has(event);
    mapping
      .conversationOf(data.sessionRef)
      .then((conversation) => limits.admitCommand(socket.id, conversation?.id ?? `session:${data.sessionRef}`))
      .then(
      () => (known ? next() : unknownEvent(event, ...args)),
      (err: unknown) => refuseCommand(ctx, known ? event : "unknown", args, err),
    );
  });

  socket.on(
    "message:send",
    handleCommand(ctx, "message:send", MessageSendSchema, async (cmd) => {
      const existing = (await mapping.conversationOf(data.sessionRef))?.id;
      if (existing) await limits.admitMessage(existing);
      const sent = await chat.sendUserMessage({ productId: data.productId, sessionRef: data.sessionRef, userId: data.userId, address }, cmd);
      if (!existing) await limits.countFirstMessage(sent.conversationId);
      return sent;
    }),
  );

  socket.on(
    "conversation:sync",
    handleCommand(ctx, "conversation:sync", ConversationSyncSchema, (cmd) => chat.sync(data.sessionRef, cmd.afterSeq, cmd.limit ?? 500)),
  );

  socket.on(
    "suggestion:feedback",
    handleCommand(ctx, "suggestion:feedback", SuggestionFeedbackSchema, async (cmd) => {
      // Only a suggestion shown in this socket's own conversation (or, verified, in one of its user's) can be judged from here.
      const message = await repos.messages.bySuggestion(cmd.suggestionId);
      const mine = await mapping.conversationOf(data.sessionRef);
      const owned = message !== undefined && data.userId !== null && (await repos.conversations.findById(message.conversationId))?.userId === data.userId;
      if (!message || (message.conversationId !== mine?.id && !owned)) {
        throw new NotFoundError("unknown_suggestion", `no suggestion ${cmd.suggestionId} in this conversation`);
      }
      // It is in this widget's thread and judged: it was seen, whatever became of its acknowledgement.
      await delivery.confirmShown(cmd.suggestionId);
      await hooks.recordFeedback(cmd.suggestionId, cmd.verdict);
      return {};
    }),
  );

  socket.on(
    "typing",
    handleCommand(ctx, "typing", TypingSchema, async (cmd) => {
      await hooks.noteTyping(data.sessionRef, cmd.active);
      return {};
    }),
  );
}

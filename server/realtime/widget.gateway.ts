/**
 * Socket.IO namespace `/widget`: authenticates handshakes, puts each socket in its session's room and its
 * conversation's room, and turns the chat service's facts into emits. The only module that knows rooms.
 */
import type http from "node:http";
import { Server } from "socket.io";
import type { Repositories } from "../../db/repositories.js";
import type { ConversationOutbox } from "../chat/chat-service.js";
import type { Clock } from "../clock.js";
import { WIDGET_NAMESPACE, type ClientToServerEvents, type ServerToClientEvents, type SocketData } from "../contracts/realtime.js";
import { AppError } from "../errors.js";
import type { ConversationMapping, LinkListener } from "../sessions/conversation-mapping.js";
import { rooms } from "./rooms.js";
import { authenticateWidget } from "./widget.auth.js";
import { registerWidgetHandlers, type HandlerDeps, type WidgetSocket } from "./widget.handlers.js";

export type WidgetServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export function createSocketServer(httpServer: http.Server, maxPayloadBytes: number): WidgetServer {
  return new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: maxPayloadBytes,
    // Origins are checked per product in the handshake; the transport layer only reflects them.
    cors: { origin: true, credentials: false },
  });
}

/** Emits to conversation rooms; moves a session's sockets into its conversation when it gets linked. */
export function createWidgetOutbox(io: WidgetServer, repos: Repositories): { outbox: ConversationOutbox; onLinked: LinkListener } {
  const nsp = io.of(WIDGET_NAMESPACE);
  return {
    outbox: {
      emit(conversationId, event, ...args) {
        nsp.to(rooms.conversation(conversationId)).emit(event, ...args);
      },
    },
    onLinked({ sessionRef, conversationId, token }) {
      const sessionId = repos.sessions.findById(sessionRef)?.sessionKey ?? "";
      nsp.in(rooms.session(sessionRef)).socketsJoin(rooms.conversation(conversationId));
      nsp.to(rooms.session(sessionRef)).emit("conversation:linked", { conversationId, conversationToken: token, sessionId });
    },
  };
}

export interface GatewayDeps extends Omit<HandlerDeps, "mapping"> {
  mapping: ConversationMapping;
  clock: Clock;
}

export function attachWidgetGateway(io: WidgetServer, deps: GatewayDeps): void {
  const nsp = io.of(WIDGET_NAMESPACE);

  nsp.use((socket, next) => {
    try {
      socket.data = authenticateWidget(deps, {
        auth: socket.handshake.auth,
        origin: socket.handshake.headers.origin,
        host: socket.handshake.headers.host,
      });
      next();
    } catch (err) {
      const known = err instanceof AppError;
      if (!known) deps.logger.error({ err }, "widget handshake failed");
      const error = new Error(known ? err.message : "internal error") as Error & { data?: unknown };
      error.data = { code: known ? err.code : "internal_error" };
      next(error);
    }
  });

  nsp.on("connection", (socket: WidgetSocket) => {
    const { sessionRef, sessionId, productId } = socket.data;
    void socket.join(rooms.session(sessionRef));
    const conversation = deps.mapping.conversationOf(sessionRef);
    if (conversation) {
      void socket.join(rooms.conversation(conversation.id));
      socket.emit("conversation:linked", {
        conversationId: conversation.id,
        conversationToken: deps.mapping.token(productId, conversation.id),
        sessionId,
      });
    }
    registerWidgetHandlers(socket, deps);
  });
}

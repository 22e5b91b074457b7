/**
 * Socket.IO namespace `/widget`: authenticates handshakes, puts each socket in its session's room and its
 * conversation's room, and turns the chat service's facts into emits. The only module that knows rooms.
 */
import type http from "node:http";
import { Server } from "socket.io";
import type { Repositories } from "../../db/repositories.js";
import type { ConversationOutbox } from "../chat/chat-service.js";
import type { RateLimiter } from "../http/rate-limit.js";
import type { Metrics } from "../metrics.js";
import type { Clock } from "../clock.js";
import { WIDGET_NAMESPACE, type ClientToServerEvents, type MessageCreated, type ServerToClientEvents, type SocketData } from "../contracts/realtime.js";
import { AppError } from "../errors.js";
import { selfOrigin } from "../products/origin-policy.js";
import { isProductKeyShaped } from "../products/product-key.js";
import type { LinkListener } from "../sessions/conversation-mapping.js";
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
export function createWidgetOutbox(io: WidgetServer, repos: Repositories, metrics: Metrics): { outbox: ConversationOutbox; onLinked: LinkListener } {
  const nsp = io.of(WIDGET_NAMESPACE);
  return {
    outbox: {
      emit(conversationId, event, ...args) {
        // Every stored message is announced exactly once, so this is where they are counted.
        if (event === "message:created") metrics.messages.inc({ role: (args[0] as MessageCreated).role });
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

export interface GatewayDeps extends HandlerDeps {
  clock: Clock;
  /** Handshakes per product key and client address (RATE_LIMIT_PUBLIC_PER_MIN). */
  handshakeLimiter: RateLimiter;
  /** PUBLIC_URL's origin: what "same origin" means when set (else the handshake's Host). */
  publicOrigin: string | undefined;
}

/** Disconnects every widget and closes their connections (shutdown). */
export function closeWidgetGateway(io: WidgetServer): void {
  io.of(WIDGET_NAMESPACE).disconnectSockets(true);
  io.engine.close();
}

export function attachWidgetGateway(io: WidgetServer, deps: GatewayDeps): void {
  const nsp = io.of(WIDGET_NAMESPACE);

  const refuse = (next: (err?: Error) => void, err: unknown) => {
    const known = err instanceof AppError;
    if (!known) deps.logger.error({ err }, "widget handshake failed");
    const code = known ? err.code : "internal_error";
    deps.metrics.socketHandshakes.inc({ result: "refused", code });
    const error = new Error(known ? err.message : "internal error") as Error & { data?: unknown };
    error.data = { code };
    next(error);
  };

  nsp.use((socket, next) => {
    // Keyed by the real product only: made-up keys share their address's one bucket, whatever they are.
    const key = (socket.handshake.auth as { productKey?: unknown } | undefined)?.productKey;
    const product = typeof key === "string" && isProductKeyShaped(key) ? deps.repos.products.findByProductKey(key) : undefined;
    deps.handshakeLimiter.check({ product: product?.id, address: socket.handshake.address }).then(
      (decision) => {
        if (!decision.allowed) return refuse(next, deps.handshakeLimiter.errorFor(decision));
        try {
          socket.data = authenticateWidget(deps, {
            auth: socket.handshake.auth,
            origin: socket.handshake.headers.origin,
            host: selfOrigin(deps.publicOrigin, socket.handshake.headers.host),
          });
        } catch (err) {
          return refuse(next, err);
        }
        deps.metrics.socketHandshakes.inc({ result: "accepted", code: "" });
        next();
      },
      (err: unknown) => refuse(next, err),
    );
  });

  nsp.on("connection", (socket: WidgetSocket) => {
    deps.metrics.socketConnections.inc();
    socket.once("disconnect", () => deps.metrics.socketConnections.dec());
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

/**
 * Socket.IO namespace `/widget`: authenticates handshakes, puts each socket in its session's room and its
 * conversation's room, and turns the chat service's facts into emits. The only module that knows rooms.
 */
import type http from "node:http";
import { Server } from "socket.io";
import type { Repositories } from "../../db/repositories.js";
import type { InstallationMonitor } from "../admin/installation-monitor.js";
import type { ConversationOutbox } from "../chat/chat-service.js";
import type { RateLimiter } from "../http/rate-limit.js";
import type { Metrics } from "../metrics.js";
import type { Clock } from "../clock.js";
import { WIDGET_NAMESPACE, type ClientToServerEvents, type MessageCreated, type ServerToClientEvents, type SocketData } from "../contracts/realtime.js";
import { AppError } from "../errors.js";
import { normaliseOrigin } from "../products/origin-policy.js";
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
  installation: InstallationMonitor;
}

/** Disconnects every widget and closes their connections (shutdown). */
export function closeWidgetGateway(io: WidgetServer): void {
  io.of(WIDGET_NAMESPACE).disconnectSockets(true);
  io.engine.close();
}

export function attachWidgetGateway(io: WidgetServer, deps: GatewayDeps): void {
  const nsp = io.of(WIDGET_NAMESPACE);

  /** Remembers which page origin tried to connect (the admin Installation panel). */
  const sighted = (origin: string | undefined, productId: string | null, code: string | null, reason: string | null) => {
    const normalised = origin && normaliseOrigin(origin);
    if (normalised) deps.installation.noteOrigin({ productId, origin: normalised, channel: "widget", allowed: code === null, code, reason }, deps.clock.now());
  };

  // The refusal's code and message travel in connect_error's `data`, which the widget reads cross-origin
  // (the transport reflects the Origin) and logs to the page's console; the server logs it too.
  const refuse = (next: (err?: Error) => void, err: unknown, origin: string | undefined, productKey: string | undefined) => {
    const known = err instanceof AppError;
    if (!known) deps.logger.error({ err }, "widget handshake failed");
    const code = known ? err.code : "internal_error";
    const message = known ? err.message : "internal error";
    deps.metrics.socketHandshakes.inc({ result: "refused", code });
    if (known) deps.logger.info({ code, reason: message, origin: origin?.slice(0, 200) }, "widget handshake refused");
    if (code !== "rate_limited") sighted(origin, productKey ? (deps.repos.products.findByProductKey(productKey)?.id ?? null) : null, code, message);
    const error = new Error(message) as Error & { data?: unknown };
    error.data = { code, message };
    next(error);
  };

  nsp.use((socket, next) => {
    const auth = socket.handshake.auth as { productKey?: unknown };
    const productKey = typeof auth?.productKey === "string" ? auth.productKey.slice(0, 128) : undefined;
    const origin = socket.handshake.headers.origin;
    deps.handshakeLimiter.check({ product: productKey, address: socket.handshake.address }).then(
      (decision) => {
        if (!decision.allowed) return refuse(next, deps.handshakeLimiter.errorFor(decision), origin, productKey);
        try {
          socket.data = authenticateWidget(deps, { auth: socket.handshake.auth, origin, host: socket.handshake.headers.host });
        } catch (err) {
          return refuse(next, err, origin, productKey);
        }
        deps.metrics.socketHandshakes.inc({ result: "accepted", code: "" });
        sighted(origin, socket.data.productId, null, null);
        next();
      },
      (err: unknown) => refuse(next, err, origin, productKey),
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

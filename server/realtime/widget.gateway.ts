/**
 * Socket.IO namespace `/widget`: authenticates handshakes (the access rules live in sessions/), puts each
 * socket in its session's room and its conversation's room, moves verified widgets that follow their user
 * into the session where the user is active, cuts off sockets from sessions that got another owner, and shows
 * a joining widget what is pending for it. The only module (with widget.outbox.ts) that knows rooms.
 */
import type http from "node:http";
import { Server } from "socket.io";
import type { InstallationMonitor } from "../admin/installation-monitor.js";
import type { Bus } from "../cluster/bus.js";
import type { SuggestionDelivery } from "../chat/suggestion-delivery.js";
import type { Clock } from "../clock.js";
import { WIDGET_NAMESPACE, type ClientToServerEvents, type ServerToClientEvents, type SocketData } from "../contracts/realtime.js";
import { AppError } from "../errors.js";
import type { IngestedEvent } from "../ingest/ingest-event.js";
import type { RateLimiter } from "../http/rate-limit.js";
import { normaliseOrigin, selfOrigin } from "../products/origin-policy.js";
import { isProductKeyShaped } from "../products/product-key.js";
import type { Binding, SessionAccess } from "../sessions/session-access.js";
import { rooms } from "./rooms.js";
import { createActivityRelay } from "./widget-activity.js";
import { authenticateWidget, socketDataOf } from "./widget.auth.js";
import { registerWidgetHandlers, type HandlerDeps, type WidgetSocket } from "./widget.handlers.js";
import { offerTo } from "./widget.outbox.js";

export type WidgetServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export function createSocketServer(httpServer: http.Server, maxPayloadBytes: number): WidgetServer {
  return new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: maxPayloadBytes,
    // Origins are checked per product in the handshake; the transport layer only reflects them.
    cors: { origin: true, credentials: false },
  });
}

export interface GatewayDeps extends HandlerDeps {
  clock: Clock;
  access: SessionAccess;
  delivery: SuggestionDelivery;
  /** Handshakes per product key and client address (RATE_LIMIT_PUBLIC_PER_MIN). */
  handshakeLimiter: RateLimiter;
  installation: InstallationMonitor;
  /** PUBLIC_URL's origin: what "own origin" means when set (else the handshake's Host). */
  publicOrigin: string | undefined;
  /**
   * Server mode: a session's widgets may be on several instances. Evictions reach them all, and activity
   * committed on any instance is announced on this bus so every instance's followers and anonymous widgets
   * hear it. Absent in one process.
   */
  cluster?: { bus: Bus };
}


/** How long a cluster-wide room query waits for the other instances' answers. */
const CLUSTER_QUERY_TIMEOUT_MS = 1_000;

/**
 * Disconnects this instance's widgets and closes their connections (shutdown). Only local ones: with the
 * Redis adapter, `disconnectSockets` would reach every instance's widgets; these reconnect to another.
 */
export function closeWidgetGateway(io: WidgetServer): void {
  io.of(WIDGET_NAMESPACE).local.disconnectSockets(true);
  io.engine.close();
}

const bindingOf = (socket: WidgetSocket, conversationId: string | null): Binding => {
  const d = socket.data;
  return { productId: d.productId, userId: d.userId, sessionRef: d.sessionRef, sessionKey: d.sessionId, reason: d.reason, follows: d.follows, conversationId };
};

export function attachWidgetGateway(
  io: WidgetServer,
  deps: GatewayDeps,
): { onIngested: (event: IngestedEvent) => void; ready: Promise<void>; close: () => Promise<void> } {
  const nsp = io.of(WIDGET_NAMESPACE);
  const { mapping, access, delivery } = deps;
  /** Sockets of this process in a room (the in-memory adapter; scale-out moves this behind the adapter). */
  const socketsIn = (room: string): WidgetSocket[] =>
    [...(nsp.adapter.rooms.get(room) ?? [])].map((id) => nsp.sockets.get(id)).filter((s): s is WidgetSocket => s !== undefined);
  let followers = 0;

  /** Remembers which page origin tried to connect (the admin Installation panel). */
  const sighted = (origin: string | undefined, productId: string | null, code: string | null, reason: string | null) => {
    const normalised = origin && normaliseOrigin(origin);
    if (normalised) deps.installation.noteOrigin({ productId, origin: normalised, channel: "widget", allowed: code === null, code, reason }, deps.clock.now());
  };

  // The refusal's code and message travel in connect_error's `data`, which the widget reads cross-origin
  // (the transport reflects the Origin) and logs to the page's console; the server logs it too.
  const refuse = (next: (err?: Error) => void, err: unknown, origin: string | undefined, productId: string | null) => {
    const known = err instanceof AppError;
    if (!known) deps.logger.error({ err }, "widget handshake failed");
    const code = known ? err.code : "internal_error";
    const message = known ? err.message : "internal error";
    deps.metrics.socketHandshakes.inc({ result: "refused", code });
    if (known) deps.logger.info({ code, reason: message, origin: origin?.slice(0, 200) }, "widget handshake refused");
    if (code !== "rate_limited") sighted(origin, productId, code, message);
    const error = new Error(message) as Error & { data?: unknown };
    error.data = { code, message };
    next(error);
  };

  /**
   * Only the owner's sockets may stay in an owned session or conversation: when a join (or a trusted source)
   * just gave one an owner, sockets that joined it anonymously (or as someone else) are disconnected. Their
   * widgets reconnect, are refused, and start afresh.
   */
  async function evictStrangers(sessionRef: number, owner: string): Promise<void> {
    const conversation = await mapping.conversationOf(sessionRef);
    if (deps.cluster) return evictStrangersAnywhere(sessionRef, owner, conversation ?? undefined);
    const strangers = [
      ...socketsIn(rooms.session(sessionRef)).filter((s) => s.data.userId !== owner),
      ...(conversation?.userId != null ? socketsIn(rooms.conversation(conversation.id)).filter((s) => s.data.userId !== conversation.userId) : []),
    ];
    for (const socket of new Set(strangers)) {
      deps.logger.info({ sessionRef }, "widget disconnected: its session or conversation now belongs to a user it is not verified as");
      socket.disconnect(true);
    }
  }

  /** The same on every instance (server mode): the adapter finds and disconnects remote sockets too. */
  async function evictStrangersAnywhere(sessionRef: number, owner: string, conversation: { id: string; userId: string | null } | undefined): Promise<void> {
    const inRoom = (room: string) => nsp.in(room).timeout(CLUSTER_QUERY_TIMEOUT_MS).fetchSockets();
    const strangers = [
      ...(await inRoom(rooms.session(sessionRef))).filter((s) => s.data.userId !== owner),
      ...(conversation?.userId != null ? (await inRoom(rooms.conversation(conversation.id))).filter((s) => s.data.userId !== conversation.userId) : []),
    ];
    const seen = new Set<string>();
    for (const socket of strangers) {
      if (seen.has(socket.id)) continue;
      seen.add(socket.id);
      deps.logger.info({ sessionRef }, "widget disconnected: its session or conversation now belongs to a user it is not verified as");
      socket.disconnect(true);
    }
  }

  /** Tells the socket where it is and shows it what waits for it there. */
  async function announce(socket: WidgetSocket, conversationChanged: boolean): Promise<void> {
    const { sessionId, reason, productId, sessionRef, userId } = socket.data;
    socket.emit("session:bound", { sessionId, reason });
    const conversation = await mapping.conversationOf(sessionRef);
    if (conversation && conversationChanged) {
      void socket.join(rooms.conversation(conversation.id));
      socket.emit("conversation:linked", { conversationId: conversation.id, conversationToken: mapping.token(productId, conversation.id), sessionId });
    }
    await delivery.showPending({ productId, sessionRef, userId, conversationId: conversation?.id ?? null }, offerTo(socket));
  }

  /** A follower moves into the session where its user has just been active. */
  async function follow(socket: WidgetSocket, sessionRef: number): Promise<void> {
    if (socket.data.sessionRef === sessionRef) return;
    const before = (await mapping.conversationOf(socket.data.sessionRef))?.id ?? null;
    const moved = await access.follow(bindingOf(socket, before), sessionRef);
    if (socket.disconnected) return;
    if (!moved) return;
    void socket.leave(rooms.session(socket.data.sessionRef));
    if (before !== null && before !== moved.conversationId) void socket.leave(rooms.conversation(before));
    // In place: the command handlers hold this object.
    Object.assign(socket.data, socketDataOf(moved));
    void socket.join(rooms.session(moved.sessionRef));
    await announce(socket, moved.conversationId !== before);
  }

  const failed = (what: string) => (err: unknown) => deps.logger.error({ err }, what);

  nsp.use(async (socket, next) => {
    // Keyed by the real product only: made-up keys share their address's one bucket, whatever they are.
    const key = (socket.handshake.auth as { productKey?: unknown } | undefined)?.productKey;
    let product;
    try {
      product = typeof key === "string" && isProductKeyShaped(key) ? await deps.repos.products.findByProductKey(key) : undefined;
    } catch (err) {
      return refuse(next, err, socket.handshake.headers.origin, null);
    }
    const productId = product?.id ?? null;
    const origin = socket.handshake.headers.origin;
    // The address express would see (TRUST_PROXY honoured), as for capture and the model budget: behind a trusted
    // proxy, socket.handshake.address is the proxy's, one bucket for every widget.
    deps.handshakeLimiter.check({ product: product?.id, address: deps.clientAddress(socket.request) }).then(
      async (decision) => {
        if (!decision.allowed) return refuse(next, deps.handshakeLimiter.errorFor(decision), origin, productId);
        try {
          const binding = await authenticateWidget(deps, { auth: socket.handshake.auth, origin, host: selfOrigin(deps.publicOrigin, socket.handshake.headers.host) });
          socket.data = socketDataOf(binding);
        } catch (err) {
          return refuse(next, err, origin, productId);
        }
        deps.metrics.socketHandshakes.inc({ result: "accepted", code: "" });
        sighted(origin, socket.data.productId, null, null);
        next();
      },
      (err: unknown) => refuse(next, err, origin, productId),
    );
  });

  nsp.on("connection", (socket: WidgetSocket) => {
    deps.metrics.socketConnections.inc();
    const { sessionRef, productId, userId, follows } = socket.data;
    if (userId !== null) void socket.join(rooms.user(productId, userId));
    if (follows && userId !== null) {
      followers++;
      void socket.join(rooms.follower(productId, userId));
    }
    socket.once("disconnect", () => {
      deps.metrics.socketConnections.dec();
      if (socket.data.follows) followers--;
    });
    if (userId !== null) evictStrangers(sessionRef, userId).catch(failed("evicting strangers failed"));
    void socket.join(rooms.session(sessionRef));
    registerWidgetHandlers(socket, deps);
    announce(socket, true).catch(failed("announcing a widget's binding failed"));
  });

  /** Activity in a session: a user active in one of their sessions pulls this instance's widgets that follow them into it. */
  function onActivity(productId: string, sessionRef: number): void {
    // Anonymous widgets in the session: a trusted source may just have given it an owner.
    const watched = socketsIn(rooms.session(sessionRef)).some((s) => s.data.userId === null);
    if (followers === 0 && !watched) return;
    void access.ownerOf(sessionRef).then(async (owner) => {
      if (owner === null) return;
      if (watched) await evictStrangers(sessionRef, owner);
      for (const socket of socketsIn(rooms.follower(productId, owner))) await follow(socket, sessionRef);
    }).catch(failed("following a user's activity failed"));
  }

  // Server mode: every instance hears every instance's activity (its own included, through the bus).
  const relay = deps.cluster ? createActivityRelay(deps.cluster.bus, deps.logger, onActivity) : undefined;

  return {
    /** Ingest listener: see onActivity; in server mode through the bus, so widgets on every instance hear it. */
    onIngested(event) {
      if (event.kind !== "actions" || event.sessionRef === 0) return;
      if (relay) relay.note(event.productId, event.sessionRef);
      else onActivity(event.productId, event.sessionRef);
    },
    /** Resolves once the activity subscription is active (server mode). */
    ready: relay?.ready ?? Promise.resolve(),
    close: async (): Promise<void> => relay?.close(),
  };
}

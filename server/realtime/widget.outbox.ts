/**
 * How the use cases reach widgets without knowing Socket.IO: emits to conversation rooms, moves a session's
 * sockets into its conversation when it gets linked, and offers suggestions with an acknowledgement.
 */
import type { ConversationOutbox } from "../chat/chat-service.js";
import type { OfferToWidget, ReachTarget, WidgetReach } from "../chat/suggestion-delivery.js";
import { WIDGET_NAMESPACE, type MessageCreated } from "../contracts/realtime.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { LinkListener } from "../sessions/conversation-mapping.js";
import { rooms } from "./rooms.js";
import type { WidgetServer } from "./widget.gateway.js";
import type { WidgetSocket } from "./widget.handlers.js";

/** How long a widget has to acknowledge a suggestion before it stays pending. */
export const SUGGESTION_ACK_TIMEOUT_MS = 10_000;

/** How long a cluster-wide room query waits for the other instances' answers. */
const CLUSTER_QUERY_TIMEOUT_MS = 1_000;

export interface OutboxOptions {
  /**
   * Server mode (the Socket.IO Redis adapter attached): a widget may be connected to another instance, so
   * "reachable" asks them when none is here. In one process the local rooms are the whole answer.
   */
  clusterWide: boolean;
  logger: Logger;
}

export function createWidgetOutbox(
  io: WidgetServer,
  metrics: Metrics,
  options: OutboxOptions,
): { outbox: ConversationOutbox; reach: WidgetReach; onLinked: LinkListener } {
  const nsp = io.of(WIDGET_NAMESPACE);
  const roomsOf = ({ productId, sessionRef, conversationId, ownerId }: ReachTarget): string[] => [
    rooms.session(sessionRef),
    ...(conversationId !== null ? [rooms.conversation(conversationId)] : []),
    ...(ownerId !== null ? [rooms.user(productId, ownerId)] : []),
  ];
  // Room membership of this process (the adapter's local view): fast and synchronous.
  const occupied = (room: string) => (nsp.adapter.rooms.get(room)?.size ?? 0) > 0;
  /**
   * Whether any instance has a socket in one of `rooms` (fetchSockets is answered by every instance through
   * the adapter). Unanswered in time (an instance busy or gone): assume yes, so the suggestion is offered and
   * honestly stays pending when nobody acknowledges it.
   */
  const occupiedAnywhere = async (targets: string[]): Promise<boolean> => {
    try {
      const sockets = await nsp.in(targets).timeout(CLUSTER_QUERY_TIMEOUT_MS).fetchSockets();
      return sockets.length > 0;
    } catch (err) {
      options.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "cluster room query failed; offering the suggestion anyway");
      return true;
    }
  };
  return {
    outbox: {
      emit(conversationId, event, ...args) {
        // Every stored message is announced exactly once, so this is where they are counted.
        if (event === "message:created") metrics.messages.inc({ role: (args[0] as MessageCreated).role });
        // Socket.IO's types cannot follow a generic event name through its ack decoration; these events carry none.
        (nsp.to(rooms.conversation(conversationId)).emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
      },
    },
    reach: {
      reachable: (target) => roomsOf(target).some(occupied),
      ...(options.clusterWide ? { reachableElsewhere: (target: ReachTarget) => occupiedAnywhere(roomsOf(target)) } : {}),
      offer({ productId, conversationId, ownerId }, suggestion) {
        const targets = [rooms.conversation(conversationId), ...(ownerId !== null ? [rooms.user(productId, ownerId)] : [])];
        return new Promise((resolve) => {
          // Broadcast with acknowledgements (a socket in several of the rooms gets it once): `responses` holds one
          // entry per widget that acknowledged in time.
          nsp
            .to(targets)
            .timeout(SUGGESTION_ACK_TIMEOUT_MS)
            .emit("suggestion:created", suggestion, (_err, responses) => resolve(Array.isArray(responses) ? responses.length : 0));
        });
      },
    },
    onLinked({ sessionRef, conversationId, token }) {
      const room = rooms.session(sessionRef);
      // At once, not after a read: what is emitted to the conversation right after the link must reach them.
      // This instance's sockets locally: the Redis adapter would join them only once its own request came back
      // through Redis, after the offer that follows (which found the room empty here and stayed pending).
      nsp.local.in(room).socketsJoin(rooms.conversation(conversationId));
      // Other instances' sockets of the session through the adapter; its requests reach them in publish order,
      // so before anything emitted to the conversation afterwards.
      if (options.clusterWide) nsp.in(room).socketsJoin(rooms.conversation(conversationId));
      // The session's sockets carry its id; with none of them here there is nobody to tell.
      const first = [...(nsp.adapter.rooms.get(room) ?? [])][0];
      const sessionId = first === undefined ? undefined : nsp.sockets.get(first)?.data.sessionId;
      if (sessionId !== undefined) {
        nsp.to(room).emit("conversation:linked", { conversationId, conversationToken: token, sessionId });
        return;
      }
      if (!options.clusterWide) return;
      // Server mode: the session's widgets may all be on other instances; one of them names the session.
      void nsp
        .in(room)
        .timeout(CLUSTER_QUERY_TIMEOUT_MS)
        .fetchSockets()
        .then((sockets) => {
          const remote = sockets[0]?.data.sessionId;
          if (remote !== undefined) nsp.to(room).emit("conversation:linked", { conversationId, conversationToken: token, sessionId: remote });
        })
        .catch((err: unknown) => options.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "cluster room query failed; conversation:linked not sent"));
    },
  };
}

/** Offers a suggestion to one socket; true when it acknowledged in time. */
export function offerTo(socket: WidgetSocket): OfferToWidget {
  return (suggestion) =>
    new Promise((resolve) => {
      socket.timeout(SUGGESTION_ACK_TIMEOUT_MS).emit("suggestion:created", suggestion, (err) => resolve(!err));
    });
}

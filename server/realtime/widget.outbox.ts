/**
 * How the use cases reach widgets without knowing Socket.IO: emits to conversation rooms, moves a session's
 * sockets into its conversation when it gets linked, and offers suggestions with an acknowledgement.
 */
import type { Repositories } from "../../db/repositories.js";
import type { ConversationOutbox } from "../chat/chat-service.js";
import type { OfferToWidget, WidgetReach } from "../chat/suggestion-delivery.js";
import { WIDGET_NAMESPACE, type MessageCreated } from "../contracts/realtime.js";
import type { Metrics } from "../metrics.js";
import type { LinkListener } from "../sessions/conversation-mapping.js";
import { rooms } from "./rooms.js";
import type { WidgetServer } from "./widget.gateway.js";
import type { WidgetSocket } from "./widget.handlers.js";

/** How long a widget has to acknowledge a suggestion before it stays pending. */
export const SUGGESTION_ACK_TIMEOUT_MS = 10_000;

export function createWidgetOutbox(
  io: WidgetServer,
  repos: Repositories,
  metrics: Metrics,
): { outbox: ConversationOutbox; reach: WidgetReach; onLinked: LinkListener } {
  const nsp = io.of(WIDGET_NAMESPACE);
  // Room membership of this process (the in-memory adapter): a Redis adapter (scale-out) asks all nodes instead.
  const occupied = (room: string) => (nsp.adapter.rooms.get(room)?.size ?? 0) > 0;
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
      reachable: ({ productId, sessionRef, conversationId, ownerId }) =>
        occupied(rooms.session(sessionRef)) ||
        (conversationId !== null && occupied(rooms.conversation(conversationId))) ||
        (ownerId !== null && occupied(rooms.user(productId, ownerId))),
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
      const sessionId = repos.sessions.findById(sessionRef)?.sessionKey ?? "";
      nsp.in(rooms.session(sessionRef)).socketsJoin(rooms.conversation(conversationId));
      nsp.to(rooms.session(sessionRef)).emit("conversation:linked", { conversationId, conversationToken: token, sessionId });
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

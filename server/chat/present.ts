import type { Message } from "../../db/message.repository.js";
import type { MessageCreated } from "../contracts/realtime.js";

/** A stored message as the widget sees it. */
export function presentMessage(m: Message): MessageCreated {
  return {
    id: m.id,
    conversationId: m.conversationId,
    seq: m.seq,
    role: m.role,
    text: m.text,
    createdAt: new Date(m.createdAt).toISOString(),
    ...(m.suggestionId !== null ? { suggestionId: m.suggestionId } : {}),
    ...(m.clientMessageId !== null ? { clientMessageId: m.clientMessageId } : {}),
  };
}

/**
 * The Socket.IO contract of namespace `/widget` (PROTOCOL.md §3.2), shared by the server and the widget.
 * The widget imports it with `import type` only, so nothing here reaches the browser bundle.
 * Client events are commands (validated with the schemas below); server events are facts.
 */
import { z } from "zod";

export const WIDGET_NAMESPACE = "/widget";

/** Every client command acknowledges with this union (STYLE.md: acks are unions). */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

const id = (max: number) => z.string().trim().min(1).max(max);

export const HandshakeAuthSchema = z.object({
  productKey: id(128),
  /** The session the widget joins; a verified widget (userId + userHash) may leave it to the server. */
  sessionId: id(256).optional(),
  conversationId: id(64).optional(),
  conversationToken: id(512).optional(),
  userId: id(256).optional(),
  userHash: z.string().trim().regex(/^[0-9a-fA-F]{64}$/, "userHash must be a hex HMAC-SHA256").optional(),
});
export type HandshakeAuth = z.infer<typeof HandshakeAuthSchema>;

export const MessageSendSchema = z.object({
  clientMessageId: id(100),
  text: z.string().trim().min(1, "text must not be empty").max(4000, "text must be at most 4000 characters"),
});
export type MessageSend = z.infer<typeof MessageSendSchema>;

export const SuggestionFeedbackSchema = z.object({
  suggestionId: z.number().int().positive(),
  verdict: z.enum(["accepted", "dismissed"]),
});
export type SuggestionFeedback = z.infer<typeof SuggestionFeedbackSchema>;

export const ConversationSyncSchema = z.object({
  afterSeq: z.number().int().min(0),
  limit: z.number().int().min(1).max(500).optional(),
});
export type ConversationSync = z.infer<typeof ConversationSyncSchema>;

export const TypingSchema = z.object({ active: z.boolean() });
export type Typing = z.infer<typeof TypingSchema>;

export type MessageRole = "user" | "assistant" | "suggestion";

export interface ConversationLinked {
  conversationId: string;
  conversationToken: string;
  sessionId: string;
}

/** Why the widget is in its session (see `session:bound`). */
export type SessionBindReason = "named" | "active" | "new" | "followed";

/**
 * The session the widget is bound to, sent on connect and again whenever a verified widget that named no
 * session follows its user into another one. `named`: the session the handshake named; `active`: the user's
 * most recently active session; `new`: a fresh session (the user had none active); `followed`: the user has
 * just been active in this session.
 */
export interface SessionBound {
  sessionId: string;
  reason: SessionBindReason;
}

export interface SuggestionCreated {
  id: number;
  conversationId: string;
  sessionId: string;
  text: string;
  source: "llm" | "rules";
  createdAt: string;
  evidence?: number[];
}

/** A widget's acknowledgement of `suggestion:created`. */
export interface SuggestionReceived {
  ok: true;
}

export interface SuggestionRetracted {
  id: number;
  reason: string;
}

export interface MessageCreated {
  /** Random string id; a streamed reply's message:delta frames carry the same id. */
  id: string;
  conversationId: string;
  seq: number;
  role: MessageRole;
  text: string;
  createdAt: string;
  /** For `suggestion` messages: the suggestion they carry (for feedback). */
  suggestionId?: number;
  /** For `user` messages: the id the sending widget chose, so it can match its optimistic copy. */
  clientMessageId?: string;
}

export interface MessageDelta {
  id: string;
  conversationId: string;
  delta: string;
}

export interface MessageSent {
  messageId: string;
  conversationId: string;
  seq: number;
}

export interface ConversationSynced {
  messages: MessageCreated[];
  /** True when more messages follow (call again with the last seq). */
  hasMore: boolean;
}

export interface ServerToClientEvents {
  "session:bound": (payload: SessionBound) => void;
  "conversation:linked": (payload: ConversationLinked) => void;
  /** The widget acknowledges receipt with `{ok: true}`: only then is the suggestion `delivered`. */
  "suggestion:created": (payload: SuggestionCreated, ack: (received: SuggestionReceived) => void) => void;
  "suggestion:retracted": (payload: SuggestionRetracted) => void;
  "message:created": (payload: MessageCreated) => void;
  "message:delta": (payload: MessageDelta) => void;
}

export interface ClientToServerEvents {
  "message:send": (payload: MessageSend, ack: (response: Ack<MessageSent>) => void) => void;
  "suggestion:feedback": (payload: SuggestionFeedback, ack: (response: Ack<Record<string, never>>) => void) => void;
  "conversation:sync": (payload: ConversationSync, ack: (response: Ack<ConversationSynced>) => void) => void;
  typing: (payload: Typing, ack: (response: Ack<Record<string, never>>) => void) => void;
}

/** What the server keeps on each authenticated socket (updated in place when a follower moves). */
export interface SocketData {
  productId: string;
  sessionRef: number;
  sessionId: string;
  /** Verified user id (identity verification passed), or null. */
  userId: string | null;
  /** Why the socket is in its session. */
  reason: SessionBindReason;
  /** The server chose the session: the socket follows its user's activity into newer sessions. */
  follows: boolean;
}

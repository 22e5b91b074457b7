/**
 * The widget's link to Pilotlight: one Socket.IO connection to `/widget`, authenticated with the product
 * key, the session (or none, for a verified widget the server binds), the identity and (when resuming) the
 * stored conversation token. Every (re)connect is followed by `conversation:sync`, so nothing sent while the
 * widget was away is missed; every suggestion received is acknowledged.
 */
import { io, type Socket } from "socket.io-client";
import type {
  Ack,
  ClientToServerEvents,
  ConversationLinked,
  MessageCreated,
  MessageDelta,
  MessageSent,
  ServerToClientEvents,
  SessionBound,
  SuggestionCreated,
  SuggestionRetracted,
} from "../../server/contracts/realtime.js";

type WidgetSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface Identity {
  userId: string;
  userHash: string;
}

export interface ConnectionEvents {
  bound(binding: SessionBound): void;
  linked(link: ConversationLinked): void;
  message(m: MessageCreated): void;
  delta(d: MessageDelta): void;
  suggestion(s: SuggestionCreated): void;
  retracted(r: SuggestionRetracted): void;
  status(state: "connecting" | "online" | "offline" | "refused", detail?: string): void;
  /** The named session belongs to someone else: the widget must take another before reconnecting. */
  forbidden(reason: string): void;
}

interface StoredConversation {
  conversationId: string;
  conversationToken: string;
}

const ACK_TIMEOUT_MS = 15_000;

export class WidgetConnection {
  private socket: WidgetSocket | undefined;
  private readonly storageKey: string;
  /** The refusal code last logged to the console (each reason is logged once). */
  private reported: string | undefined;
  /** Set once a refused session was replaced, so a second refusal is shown instead of looping. */
  private replacedSession = false;

  constructor(
    private readonly opts: {
      endpoint: string;
      productKey: string;
      /** The session to name; undefined lets the server choose (verified widgets). */
      sessionId: () => string | undefined;
      identity: () => Identity | undefined;
      lastSeq: () => number;
    },
    private readonly on: ConnectionEvents,
  ) {
    this.storageKey = `pilotlight:conversation:${opts.productKey}`;
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  stored(): StoredConversation | undefined {
    try {
      const v = JSON.parse(localStorage.getItem(this.storageKey) ?? "null") as StoredConversation | null;
      return v && typeof v.conversationId === "string" && typeof v.conversationToken === "string" ? v : undefined;
    } catch {
      return undefined;
    }
  }

  private store(v: StoredConversation | undefined): void {
    try {
      if (v) localStorage.setItem(this.storageKey, JSON.stringify(v));
      else localStorage.removeItem(this.storageKey);
    } catch {
      /* storage disabled: the thread lasts as long as the page */
    }
  }

  connect(): void {
    if (this.socket) return;
    this.on.status("connecting");
    const socket: WidgetSocket = io(`${this.opts.endpoint}/widget`, {
      transports: ["websocket", "polling"],
      // Behind a proxy that refuses WebSocket upgrades, fall back to long-polling instead of giving up.
      tryAllTransports: true,
      // A function, so every reconnect presents the current session, identity and conversation.
      auth: (cb) => {
        const identity = this.opts.identity();
        const sessionId = this.opts.sessionId();
        cb({ productKey: this.opts.productKey, ...(sessionId ? { sessionId } : {}), ...this.stored(), ...identity });
      },
    });
    this.socket = socket;

    socket.on("connect", () => {
      this.replacedSession = false;
      this.on.status("online");
      void this.sync();
    });
    socket.on("disconnect", (reason) => {
      this.on.status("offline", reason);
      // The server only disconnects on purpose (shutdown, restart): come back on our own.
      if (reason === "io server disconnect") setTimeout(() => socket.connect(), 1000 + Math.random() * 2000);
    });
    socket.on("connect_error", (err: Error & { data?: { code?: string; message?: string } }) => {
      const code = err.data?.code;
      if (code === "invalid_conversation_token") {
        // The stored thread is not ours any more (other user, cleared server): start fresh.
        this.store(undefined);
        socket.connect();
        return;
      }
      if (code === "session_forbidden" && !this.replacedSession) {
        // The session (or its thread) belongs to another user, e.g. the previous person in this tab.
        this.replacedSession = true;
        this.store(undefined);
        this.on.forbidden(`${code}: ${err.data?.message ?? err.message}`);
        socket.connect();
        return;
      }
      if (code) {
        // Once per refusal reason: the developer embedding the widget reads why, and what fixes it.
        if (this.reported !== code) {
          this.reported = code;
          console.error(`Pilotlight widget: the server refused the connection — ${code}: ${err.data?.message ?? err.message}`);
        }
        this.on.status("refused", `${code}: ${err.data?.message ?? err.message}`);
        return;
      }
      this.on.status("offline", err.message);
    });
    socket.on("conversation:linked", (link) => {
      this.store({ conversationId: link.conversationId, conversationToken: link.conversationToken });
      this.on.linked(link);
    });
    socket.on("session:bound", (b) => this.on.bound(b));
    socket.on("message:created", (m) => this.on.message(m));
    socket.on("message:delta", (d) => this.on.delta(d));
    socket.on("suggestion:created", (s, ack) => {
      this.on.suggestion(s);
      // Received: only now does the server count it as delivered.
      if (typeof ack === "function") ack({ ok: true });
    });
    socket.on("suggestion:retracted", (r) => this.on.retracted(r));
  }

  /** Fetches everything after the last message the widget has, page by page. */
  async sync(): Promise<void> {
    for (let guard = 0; guard < 100 && this.socket?.connected; guard++) {
      const ack = await this.call("conversation:sync", { afterSeq: this.opts.lastSeq() });
      if (!ack.ok) return;
      ack.data.messages.forEach((m) => this.on.message(m));
      if (!ack.data.hasMore || ack.data.messages.length === 0) return;
    }
  }

  send(clientMessageId: string, text: string): Promise<Ack<MessageSent>> {
    return this.call("message:send", { clientMessageId, text });
  }

  feedback(suggestionId: number, verdict: "accepted" | "dismissed"): Promise<Ack<Record<string, never>>> {
    return this.call("suggestion:feedback", { suggestionId, verdict });
  }

  typing(active: boolean): void {
    if (this.socket?.connected) void this.call("typing", { active });
  }

  /** Reconnects with fresh auth (new identity or session id). */
  restart(): void {
    this.disconnect();
    this.connect();
  }

  disconnect(forget = false): void {
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = undefined;
    if (forget) this.store(undefined);
  }

  private call<E extends keyof ClientToServerEvents>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ): Promise<Parameters<Parameters<ClientToServerEvents[E]>[1]>[0]> {
    const socket = this.socket;
    if (!socket) return Promise.resolve({ ok: false, error: { code: "offline", message: "not connected" } }) as never;
    const timed = socket.timeout(ACK_TIMEOUT_MS) as unknown as { emitWithAck(e: string, p: unknown): Promise<never> };
    return timed.emitWithAck(event, payload).catch(() => ({ ok: false, error: { code: "timeout", message: "no answer from the server" } }) as never);
  }
}

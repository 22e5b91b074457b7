/**
 * Real socket.io-clients for the `/widget` namespace, typed with the shared contract, plus helpers to
 * await events and acks with a timeout instead of sleeping.
 */
import crypto from "node:crypto";
import { io, type Socket } from "socket.io-client";
import type { Ack, ClientToServerEvents, HandshakeAuth, ServerToClientEvents } from "../../server/contracts/realtime.js";
import { TEST_SECRETS } from "./test-server.js";

export type WidgetClient = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ConnectOptions {
  origin?: string;
  autoConnect?: boolean;
  /** Acknowledge every suggestion:created, as the real widget does (default true). */
  ackSuggestions?: boolean;
  /** Further handshake headers (e.g. X-Forwarded-For, for a server that trusts the test's proxy). */
  headers?: Record<string, string>;
}

export function userHash(userId: string, secret: string = TEST_SECRETS.IDENTITY_SECRET): string {
  return crypto.createHmac("sha256", secret).update(userId).digest("hex");
}

/** A client that is not connected yet: call `.connect()` or use `connectWidget`. */
export function widgetClient(baseUrl: string, auth: Partial<HandshakeAuth>, opts: ConnectOptions = {}): WidgetClient {
  const socket: WidgetClient = io(`${baseUrl}/widget`, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    autoConnect: opts.autoConnect ?? false,
    auth: { productKey: TEST_SECRETS.PRODUCT_KEY, ...auth },
    extraHeaders: { origin: opts.origin ?? baseUrl, ...opts.headers },
  });
  // The server counts a suggestion as delivered only when a widget acknowledges it.
  if (opts.ackSuggestions ?? true) socket.on("suggestion:created", (_s, ack) => ack?.({ ok: true }));
  return socket;
}

export async function connectWidget(baseUrl: string, auth: Partial<HandshakeAuth>, opts: ConnectOptions = {}): Promise<WidgetClient> {
  const socket = widgetClient(baseUrl, auth, opts);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", (err) => reject(err));
    socket.connect();
  });
  return socket;
}

/** Resolves with the handshake error (message and data.code) of a connection that must be refused. */
export async function refusedConnection(baseUrl: string, auth: Partial<HandshakeAuth>, opts: ConnectOptions = {}) {
  const socket = widgetClient(baseUrl, auth, opts);
  try {
    return await new Promise<{ message: string; code: string | undefined; dataMessage: string | undefined }>((resolve, reject) => {
      socket.once("connect", () => reject(new Error("the connection was accepted")));
      socket.once("connect_error", (err: Error & { data?: { code?: string; message?: string } }) =>
        resolve({ message: err.message, code: err.data?.code, dataMessage: err.data?.message }),
      );
      socket.connect();
    });
  } finally {
    socket.close();
  }
}

type EventPayload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/** The next `event` whose payload satisfies `where`, or a rejection after `timeoutMs`. */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: WidgetClient,
  event: E,
  where: (payload: EventPayload<E>) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<EventPayload<E>> {
  return new Promise((resolve, reject) => {
    const listener = ((payload: EventPayload<E>) => {
      if (!where(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener as never);
      resolve(payload);
    }) as never;
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${String(event)}`));
    }, timeoutMs);
    socket.on(event, listener);
  });
}

/**
 * Records every `event` payload from now on; `until(where)` resolves with the first recorded payload — past
 * or future — that satisfies `where`. Start recording before the action that causes the event.
 */
export function recorder<E extends keyof ServerToClientEvents>(socket: WidgetClient, event: E) {
  const seen: EventPayload<E>[] = [];
  const waiters = new Set<{ where: (p: EventPayload<E>) => boolean; resolve: (p: EventPayload<E>) => void }>();
  socket.on(event, ((payload: EventPayload<E>) => {
    seen.push(payload);
    for (const w of waiters) {
      if (w.where(payload)) {
        waiters.delete(w);
        w.resolve(payload);
      }
    }
  }) as never);
  return {
    seen,
    until(where: (p: EventPayload<E>) => boolean = () => true, timeoutMs = 10_000): Promise<EventPayload<E>> {
      const found = seen.find(where);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { where, resolve: (p: EventPayload<E>) => (clearTimeout(timer), resolve(p)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${String(event)}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}

/** Collects every `event` payload until stopped. */
export function record<E extends keyof ServerToClientEvents>(socket: WidgetClient, event: E): EventPayload<E>[] {
  const seen: EventPayload<E>[] = [];
  socket.on(event, ((payload: EventPayload<E>) => seen.push(payload)) as never);
  return seen;
}

/** Emits a command and resolves with its ack. */
export function command<E extends keyof ClientToServerEvents>(
  socket: WidgetClient,
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
  timeoutMs = 10_000,
): Promise<Parameters<Parameters<ClientToServerEvents[E]>[1]>[0]> {
  const timed = socket.timeout(timeoutMs) as unknown as { emitWithAck(e: string, p: unknown): Promise<never> };
  return timed.emitWithAck(event, payload);
}

export function expectOk<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`command failed: ${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

/** Sends a chat message and resolves with its ack, the assistant's reply and that reply's streamed deltas. */
export async function ask(socket: WidgetClient, text: string, clientMessageId = `c-${Math.random()}`, timeoutMs = 20_000) {
  const deltas = record(socket, "message:delta");
  const created = recorder(socket, "message:created");
  const sent = expectOk(await command(socket, "message:send", { clientMessageId, text }));
  const reply = await created.until((m) => m.role === "assistant" && m.seq > sent.seq, timeoutMs);
  return { sent, reply, deltas: deltas.filter((d) => d.id === reply.id) };
}

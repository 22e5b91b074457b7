/**
 * Fuzz targets for the widget's Socket.IO namespace (see fuzz.ts for the runner and its rules), driven
 * through a real socket.io-client:
 *   - `handshakeTarget`: one new connection per input, with a hostile `auth` object and Origin; accepted
 *     means connected, rejected means a `connect_error` carrying `data.code` and a message.
 *   - `commandTarget`: one command on an already connected socket, with any arguments, with or without an
 *     ack callback. With an ack the answer must be `{ok:true, data}` or `{ok:false, error:{code, message}}`;
 *     without one, the server's own count of socket events by result (pilotlight_socket_events_total)
 *     tells how it ended. Either way the socket must still be connected afterwards.
 */
import type fc from "fast-check";
import { io } from "socket.io-client";
import type { FuzzOutcome, FuzzTarget } from "./fuzz.js";
import type { TestServer } from "./test-server.js";
import { waitFor } from "./wait.js";
import type { WidgetClient } from "./widget-client.js";

/** `{ok:true, data}` → accepted; `{ok:false, error:{code, message}}` → rejected; anything else is broken. */
export function classifyAck(ack: unknown): FuzzOutcome {
  const a = ack as { ok?: unknown; data?: unknown; error?: { code?: unknown; message?: unknown } } | null;
  if (a && a.ok === true && "data" in a && Object.keys(a).length === 2) return { kind: "accepted" };
  if (a && a.ok === false && typeof a.error?.code === "string" && typeof a.error.message === "string" && a.error.message !== "") {
    return { kind: "rejected", code: a.error.code };
  }
  return { kind: "broken", detail: `not an ack union: ${JSON.stringify(ack)?.slice(0, 200)}` };
}

// --- handshakes

export interface HandshakeFuzzInput {
  auth: Record<string, unknown>;
  /** The Origin header; null sends none. */
  origin: string | null;
}

export function handshakeTarget(name: string, inputs: fc.Arbitrary<HandshakeFuzzInput>, timeoutMs = 5_000): FuzzTarget<HandshakeFuzzInput> {
  return {
    name,
    inputs,
    async send(server, input) {
      const socket = io(`${server.url}/widget`, {
        transports: ["websocket"],
        forceNew: true,
        reconnection: false,
        autoConnect: false,
        auth: input.auth,
        extraHeaders: input.origin === null ? {} : { origin: input.origin },
      });
      try {
        return await new Promise<FuzzOutcome>((resolve) => {
          const timer = setTimeout(() => resolve({ kind: "broken", detail: `no answer to the handshake within ${timeoutMs} ms` }), timeoutMs);
          const done = (outcome: FuzzOutcome) => {
            clearTimeout(timer);
            resolve(outcome);
          };
          socket.once("connect", () => done({ kind: "accepted" }));
          socket.once("connect_error", (err: Error & { data?: { code?: unknown } }) => {
            const code = err.data?.code;
            done(typeof code === "string" && err.message !== "" ? { kind: "rejected", code } : { kind: "broken", detail: `connect_error without a code: ${err.message}` });
          });
          // The transport closing without an answer is a dropped connection, not a refusal. (A refusal closes
          // it too, just before its connect_error in the same turn: that one wins.)
          socket.io.once("close", (reason) => setImmediate(() => done({ kind: "broken", detail: `connection closed during the handshake: ${reason}` })));
          socket.connect();
        });
      } finally {
        socket.close();
      }
    },
  };
}

// --- commands on a connected socket

export interface CommandFuzzInput {
  event: string;
  /** What the client sends after the event name (nothing, the payload, or the payload and extras). */
  args: unknown[];
  withAck: boolean;
}

/** Socket events the server has counted, by `event|result`, read from the app's own metrics. */
export async function socketEventCounts(server: TestServer): Promise<Map<string, number>> {
  const { values } = await server.app.services.metrics.socketEvents.get();
  return new Map(values.map((v) => [`${v.labels.event}|${v.labels.result}`, v.value]));
}

const total = (counts: Map<string, number>) => [...counts.values()].reduce((n, v) => n + v, 0);

/** The one `event|result` whose count went up from `before` to `after`. */
function counted(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after].filter(([key, n]) => n > (before.get(key) ?? 0)).map(([key]) => key);
}

export function commandTarget(name: string, socket: () => WidgetClient, inputs: fc.Arbitrary<CommandFuzzInput>, timeoutMs = 5_000): FuzzTarget<CommandFuzzInput> {
  return {
    name,
    inputs,
    async send(server, input) {
      const client = socket();
      if (!client.connected) return { kind: "broken", detail: "the socket was disconnected before this input" };
      const before = await socketEventCounts(server);
      let outcome: FuzzOutcome;
      if (input.withAck) {
        const emitter = client.timeout(timeoutMs) as unknown as { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
        outcome = await emitter.emitWithAck(input.event, ...input.args).then(classifyAck, (err: Error) => ({ kind: "broken", detail: `no ack: ${err.message}` }) as const);
      } else {
        (client.emit as (event: string, ...args: unknown[]) => void)(input.event, ...input.args);
        outcome = { kind: "accepted" };
      }
      // The server counts every command it answered, ack or not: exactly one more, and it must agree with the ack.
      const after = await waitFor(
        async () => {
          const now = await socketEventCounts(server);
          return total(now) > total(before) ? now : undefined;
        },
        `the server to count ${input.event}`,
        timeoutMs,
      ).catch((err: Error) => err);
      if (after instanceof Error) return { kind: "broken", detail: after.message };
      const keys = counted(before, after);
      if (keys.length !== 1 || total(after) !== total(before) + 1) return { kind: "broken", detail: `counted ${JSON.stringify(keys)} for one command` };
      const result = keys[0]!.slice(keys[0]!.lastIndexOf("|") + 1);
      if (!input.withAck) outcome = result === "ok" ? { kind: "accepted" } : { kind: "rejected", code: result };
      else if ((outcome.kind === "accepted" ? "ok" : outcome.kind === "rejected" ? outcome.code : "?") !== result && outcome.kind !== "broken") {
        return { kind: "broken", detail: `the ack said ${JSON.stringify(outcome)} but the server counted ${result}` };
      }
      // A chat reply to an accepted message is stored after the ack: let it land before the next input's counts.
      await server.app.services.chat.drain();
      if (!client.connected) return { kind: "broken", detail: `the server disconnected the socket after ${input.event}` };
      return outcome;
    },
  };
}

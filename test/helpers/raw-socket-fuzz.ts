/**
 * A fuzz target below socket.io-client: raw Engine.IO/Socket.IO frames on a plain WebSocket (the `ws`
 * package), after a real `/widget` handshake. socket.io-client only ever sends well-formed packets; a
 * hostile client need not. After the frames, a probe command (`conversation:sync` with an ack) tells what
 * became of the connection:
 *   - the probe is answered `{ok:true}` → accepted (the frames were ignored or answered);
 *   - the server closed the connection first → rejected, code `closed` (Socket.IO's answer to a protocol
 *     violation: that one connection goes, the process and every other connection stay);
 *   - neither within the timeout → broken.
 */
import type fc from "fast-check";
import WebSocket from "ws";
import type { FuzzOutcome, FuzzTarget } from "./fuzz.js";

export interface RawFramesInput {
  /** Sent in order after the handshake; strings go as text frames, bytes as binary frames. */
  frames: (string | Uint8Array)[];
}

const NSP = "/widget";
const PROBE_ID = 987_654;

export interface RawTargetOptions {
  /** The handshake's auth (a session that already exists, so the handshake itself stores nothing new). */
  auth: Record<string, string>;
  origin: string;
  timeoutMs?: number;
}

export function rawFrameTarget(name: string, inputs: fc.Arbitrary<RawFramesInput>, options: RawTargetOptions): FuzzTarget<RawFramesInput> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  return {
    name,
    inputs,
    async send(server, input) {
      const ws = new WebSocket(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`, { headers: { origin: options.origin } });
      try {
        return await new Promise<FuzzOutcome>((resolve) => {
          let phase: "open" | "handshake" | "probe" = "open";
          const timer = setTimeout(() => resolve({ kind: "broken", detail: `nothing within ${timeoutMs} ms (phase ${phase})` }), timeoutMs);
          const done = (outcome: FuzzOutcome) => {
            clearTimeout(timer);
            resolve(outcome);
          };
          ws.on("error", (err) => done({ kind: "broken", detail: `websocket error in phase ${phase}: ${err.message}` }));
          ws.on("close", (code) =>
            done(phase === "probe" ? { kind: "rejected", code: "closed" } : { kind: "broken", detail: `closed (${code}) during the ${phase}` }),
          );
          ws.on("message", (data, isBinary) => {
            if (isBinary) return;
            const text = data.toString();
            if (text === "2") return ws.send("3"); // Engine.IO ping → pong
            if (phase === "open" && text.startsWith("0")) {
              phase = "handshake";
              ws.send(`40${NSP},${JSON.stringify(options.auth)}`);
            } else if (phase === "handshake" && text.startsWith(`40${NSP},`)) {
              phase = "probe";
              for (const frame of input.frames) ws.send(frame);
              ws.send(`42${NSP},${PROBE_ID}["conversation:sync",{"afterSeq":0,"limit":1}]`);
            } else if (phase === "handshake" && text.startsWith(`44${NSP},`)) {
              done({ kind: "broken", detail: `handshake refused: ${text.slice(0, 200)}` });
            } else if (phase === "probe" && text.startsWith(`43${NSP},${PROBE_ID}[`)) {
              const [ack] = JSON.parse(text.slice(`43${NSP},${PROBE_ID}`.length)) as [{ ok?: unknown }];
              done(ack.ok === true ? { kind: "accepted" } : { kind: "broken", detail: `probe failed: ${text.slice(0, 200)}` });
            }
          });
        });
      } finally {
        ws.terminate();
      }
    },
  };
}

/**
 * A scripted upstream SSE server (express) for connector tests. Connection n follows `scripts[n]` (after the
 * last script, connections just stay open): send frames, send garbage, send heartbeats, drop the socket in
 * the middle of a `data:` line, answer an HTTP error, end, or fall silent. Every connection is recorded
 * with its time, its request headers and the time of its last byte.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express, { type Response } from "express";

export type Step =
  /** Answer with this status (a JSON error body) instead of a stream. */
  | { status: number }
  /** One frame: optional `id:` and one `data:` line of JSON. */
  | { event: unknown; id?: string }
  /** Bytes exactly as given (garbage, comments, named events). */
  | { raw: string }
  | { heartbeats: number; everyMs: number }
  /** `id:` and half of the `data:` line, then the socket is destroyed. */
  | { dropMidFrame: unknown; id?: string }
  /** End the response cleanly. */
  | { end: true };

export interface UpstreamConnection {
  at: number;
  authorization: string | undefined;
  accept: string | undefined;
  lastEventId: string | undefined;
  lastByteAt: number;
}

const frame = (event: unknown, id?: string) => `${id === undefined ? "" : `id: ${id}\n`}data: ${JSON.stringify(event)}\n\n`;

export async function startScriptedUpstream(scripts: Step[][]) {
  const connections: UpstreamConnection[] = [];
  const open = new Set<Response>();
  const app = express();

  app.get("/stream/:product", async (req, res) => {
    const steps = scripts[connections.length] ?? [];
    const record: UpstreamConnection = {
      at: Date.now(),
      authorization: req.get("authorization"),
      accept: req.get("accept"),
      lastEventId: req.get("last-event-id"),
      lastByteAt: Date.now(),
    };
    connections.push(record);
    const write = (text: string) =>
      new Promise<void>((resolve) => {
        if (res.destroyed) return resolve();
        res.write(text, () => {
          record.lastByteAt = Date.now();
          resolve();
        });
      });

    const first = steps[0];
    if (first && "status" in first) {
      res.status(first.status).json({ error: { code: "scripted", message: `scripted ${first.status}` } });
      return;
    }
    open.add(res);
    res.on("close", () => open.delete(res));
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.flushHeaders();
    for (const step of steps) {
      if (res.destroyed) return;
      if ("event" in step) await write(frame(step.event, step.id));
      else if ("raw" in step) await write(step.raw);
      else if ("heartbeats" in step) {
        for (let i = 0; i < step.heartbeats; i++) {
          await new Promise((r) => setTimeout(r, step.everyMs));
          await write("event: heartbeat\ndata:\n\n");
        }
      } else if ("dropMidFrame" in step) {
        const whole = frame(step.dropMidFrame, step.id);
        await write(whole.slice(0, Math.floor(whole.length / 2)));
        res.socket?.destroy();
        return;
      } else if ("end" in step) {
        res.end();
        return;
      }
    }
    // Script done: stay open and silent.
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    streamUrl: (product = "demo") => `http://127.0.0.1:${port}/stream/${product}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type ScriptedUpstream = Awaited<ReturnType<typeof startScriptedUpstream>>;

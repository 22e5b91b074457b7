/**
 * An Autoplay-style upstream SSE server for the soak's connector: one `actions` event every `everyMs` (each
 * with a fresh action), heartbeats, `Last-Event-ID` resume from its in-memory log, and a dropped connection
 * now and then so the connector's reconnect and resume are part of the run.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Upstream {
  url: string;
  token: string;
  /** Events (one action each) emitted so far. */
  emitted(): number;
  stop(): void;
  close(): Promise<void>;
}

export async function startUpstream(o: { everyMs: number; dropEveryMs: number; heartbeatMs: number }): Promise<Upstream> {
  const token = "soak-upstream-token-0123456789";
  const log: string[] = [];
  const clients = new Set<http.ServerResponse>();
  const frame = (id: number) => `id: ${id}\ndata: ${log[id - 1]}\n\n`;

  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const after = Number(req.headers["last-event-id"] ?? 0);
    for (let id = after + 1; id <= log.length; id++) res.write(frame(id));
    clients.add(res);
    res.on("close", () => clients.delete(res));
  });

  let stopped = false;
  const emit = setInterval(() => {
    if (stopped) return;
    const n = log.length + 1;
    const now = Date.now() / 1000;
    log.push(
      JSON.stringify({
        type: "actions",
        session_id: `soak-upstream-${n % 7}`,
        actions: [{ index: 0, type: "click", title: `Upstream ${n}`, description: `User clicked upstream ${n}`, canonical_url: "https://app.example.com/upstream", timestamp_start: now }],
      }),
    );
    for (const res of clients) res.write(frame(n));
  }, o.everyMs);
  const heartbeat = setInterval(() => {
    for (const res of clients) res.write("event: heartbeat\ndata:\n\n");
  }, o.heartbeatMs);
  const drop = setInterval(() => {
    for (const res of clients) res.destroy();
  }, o.dropEveryMs);

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/stream/demo`,
    token,
    emitted: () => log.length,
    stop() {
      stopped = true;
      clearInterval(emit);
      clearInterval(drop);
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        for (const res of clients) res.destroy();
        server.close(() => resolve());
      }),
  };
}

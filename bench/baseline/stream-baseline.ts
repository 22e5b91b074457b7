/**
 * Baseline for the stream bench: a bare node:http server with a raw SSE write loop. Each POST body becomes
 * one `id:` + `data:` frame written to every subscriber of GET /v1/stream/demo — no auth, no parsing, no
 * database, no backpressure bookkeeping. The ceiling any fan-out of the same frames can reach.
 */
import http from "node:http";

const subscribers = new Set<http.ServerResponse>();
let nextId = 1;

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url?.startsWith("/v1/stream/")) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-accel-buffering": "no" });
    res.write("retry: 3000\n\n");
    subscribers.add(res);
    res.on("close", () => subscribers.delete(res));
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const frame = Buffer.from(`id: ${nextId++}\ndata: ${Buffer.concat(chunks).toString()}\n\n`);
    for (const sub of subscribers) sub.write(frame);
    res.writeHead(202, { "content-type": "application/json" }).end('{"accepted":1,"duplicates":0}');
  });
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  console.log(`listening http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
});
process.on("SIGTERM", () => {
  for (const sub of subscribers) sub.destroy();
  server.close();
  process.exit(0);
});

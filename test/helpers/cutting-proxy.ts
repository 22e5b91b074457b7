/**
 * A TCP proxy in front of a server that cuts connections at chosen points: connection n is destroyed after
 * `cutAfter(n)` bytes have gone from the server to the client (null: never). The cut can land anywhere —
 * inside the response headers, inside a `data:` line, between frames — the way a flaky network would.
 */
import net, { type AddressInfo } from "node:net";

export async function startCuttingProxy(targetPort: number, cutAfter: (connection: number) => number | null) {
  let connections = 0;
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const limit = cutAfter(connections++);
    const upstream = net.connect(targetPort, "127.0.0.1");
    sockets.add(client).add(upstream);
    const destroyBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", destroyBoth).on("close", destroyBoth);
    upstream.on("error", destroyBoth).on("close", destroyBoth);
    client.pipe(upstream);
    let forwarded = 0;
    let cut = false;
    upstream.on("data", (chunk: Buffer) => {
      if (cut) return;
      if (limit === null || forwarded + chunk.length < limit) {
        forwarded += chunk.length;
        client.write(chunk);
        return;
      }
      cut = true;
      cuts++;
      client.write(chunk.subarray(0, limit - forwarded), destroyBoth);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    cuts: () => cuts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

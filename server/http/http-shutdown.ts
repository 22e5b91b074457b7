/**
 * Closing an HTTP server promptly without cutting requests: stop accepting, answer what is in flight,
 * close keep-alive and never-used sockets as soon as they are idle, and cut whatever is left after the grace.
 */
import type http from "node:http";
import type { Socket } from "node:net";

export function createHttpShutdown(httpServer: http.Server) {
  // Sockets that have not sent a request yet (preconnects, clients that reconnect as a stream ends).
  // closeIdleConnections() leaves them open, so shutdown would wait for them to time out.
  const silentSockets = new Set<Socket>();
  httpServer.on("connection", (socket: Socket) => {
    silentSockets.add(socket);
    socket.once("close", () => silentSockets.delete(socket));
  });
  httpServer.on("request", (req: http.IncomingMessage) => silentSockets.delete(req.socket));

  return {
    /** Resolves once the server has closed; in-flight requests get up to `graceMs` to finish. */
    close(graceMs: number): Promise<void> {
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => httpServer.closeAllConnections(), graceMs);
        // Keep-alive sockets hold close() open until they time out; close each one as soon as its
        // in-flight request has been answered.
        const reapIdle = () => {
          httpServer.closeIdleConnections();
          for (const socket of silentSockets) socket.destroy();
        };
        const reaper = setInterval(reapIdle, 50);
        httpServer.close(() => {
          clearTimeout(force);
          clearInterval(reaper);
          resolve();
        });
        reapIdle();
      });
    },
  };
}

/** Baseline for the realtime bench: a bare Socket.IO server with a `/widget` namespace that accepts anyone. */
import http from "node:http";
import { Server } from "socket.io";

const server = http.createServer();
const io = new Server(server, { serveClient: false });
io.of("/widget").on("connection", (socket) => {
  void socket.join(`session:${String(socket.handshake.auth.sessionId)}`);
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  console.log(`listening http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
});
process.on("SIGTERM", () => {
  void io.close();
  process.exit(0);
});

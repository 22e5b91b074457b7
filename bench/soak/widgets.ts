/**
 * The soak's widgets: sockets that chat (typing, messages, replies), reconnect with their conversation
 * token and check that sync returns every message in order; a socket that floods messages (it must get
 * `rate_limited` acks and stay connected); and handshakes with made-up product keys (refused).
 */
import { io, type Socket } from "socket.io-client";
import type { Ack, ClientToServerEvents, MessageCreated, ServerToClientEvents } from "../../server/contracts/realtime.js";
import type { SoakTarget } from "./http-drivers.js";
import { sessionId } from "./http-drivers.js";
import { every, randomText, type Tally } from "./tally.js";

type Widget = Socket<ServerToClientEvents, ClientToServerEvents>;

function connect(target: SoakTarget, auth: Record<string, string>): Promise<Widget> {
  const socket: Widget = io(`${target.url}/widget`, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    auth: { productKey: target.secrets.productKey, ...auth },
    extraHeaders: { origin: target.origin },
  });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
  });
}

async function call<T>(socket: Widget, event: keyof ClientToServerEvents, payload: unknown): Promise<Ack<T>> {
  const timed = socket.timeout(30_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<T>> };
  return timed.emitWithAck(event, payload);
}

/** One chatting user: a message every `everyMs`, and a reconnect with its conversation token now and then. */
async function chatter(target: SoakTarget, t: Tally, stop: AbortSignal, n: number, everyMs: number): Promise<void> {
  const link: { conversationId?: string; conversationToken?: string } = {};
  let socket: Widget | undefined;
  let sent = 0;
  const open = async () => {
    socket = await connect(target, { sessionId: sessionId(n), ...(link.conversationId ? (link as Record<string, string>) : {}) });
    socket.on("conversation:linked", (l) => Object.assign(link, { conversationId: l.conversationId, conversationToken: l.conversationToken }));
    socket.on("message:created", (m: MessageCreated) => m.role === "assistant" && t.count("chat replies"));
    socket.on("suggestion:created", () => t.count("suggestions shown"));
    socket.on("disconnect", (reason) => {
      if (!stop.aborted && reason !== "io client disconnect") t.fail("widget", `socket ${n} dropped: ${reason}`);
    });
  };
  await open().catch((err: Error) => t.fail("widget", `socket ${n} could not connect: ${err.message}`));
  await every(everyMs, stop, async () => {
    if (!socket) return;
    await call(socket, "typing", { active: true });
    const ack = await call<{ seq: number }>(socket, "message:send", { clientMessageId: `soak-${n}-${++sent}`, text: `How do I invite a teammate? (${sent})` });
    t.count(`chat acks ${ack.ok ? "ok" : ack.error.code}`);
    if (!ack.ok && ack.error.code !== "rate_limited") t.fail("widget", `message:send answered ${ack.error.code}: ${ack.error.message}`);
    if (sent % 5 === 0 && link.conversationId) {
      socket.close();
      await open();
      const synced = await call<{ messages: MessageCreated[] }>(socket, "conversation:sync", { afterSeq: 0 });
      if (!synced.ok) return t.fail("widget", `sync answered ${synced.error.code}`);
      const seqs = synced.data.messages.map((m) => m.seq);
      if (seqs.some((s, i) => s !== i + 1)) t.fail("widget", `sync of ${link.conversationId} has gaps: ${seqs.slice(0, 20).join(",")}`);
      t.count("resumes");
    }
  });
  socket?.close();
}

/** A socket that sends messages as fast as its acks come back: it must be limited, never dropped. */
async function flooder(target: SoakTarget, t: Tally, stop: AbortSignal): Promise<void> {
  const socket = await connect(target, { sessionId: `soak-flood-${randomText(8)}` });
  socket.on("disconnect", (reason) => !stop.aborted && reason !== "io client disconnect" && t.fail("widget-flood", `dropped: ${reason}`));
  let n = 0;
  await every(20, stop, async () => {
    const ack = await call(socket, "message:send", { clientMessageId: `flood-${++n}`, text: "spam" });
    t.count(`flood acks ${ack.ok ? "ok" : ack.error.code}`);
    if (!ack.ok && ack.error.code !== "rate_limited") t.fail("widget-flood", `answered ${ack.error.code}`);
  });
  socket.close();
}

export function startWidgets(target: SoakTarget, t: Tally, stop: AbortSignal, count: number): Promise<void>[] {
  return [
    ...Array.from({ length: count }, (_, n) => chatter(target, t, stop, n, 10_000 + n * 137)),
    flooder(target, t, stop),
    every(500, stop, async () => {
      try {
        const socket = await connect(target, { productKey: randomText(20 + Math.floor(Math.random() * 100)), sessionId: randomText(30) });
        socket.close();
        t.fail("hostile-handshake", "a made-up product key was accepted");
      } catch {
        t.count("hostile handshakes refused");
      }
    }),
  ];
}

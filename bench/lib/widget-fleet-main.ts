/**
 * The widget fleet's process (bench/lib/widget-fleet.ts): connects the widgets it is asked for, acknowledges
 * their suggestions as the widget does, and reports when each arrived.
 */
import { monotonicMs, type FromFleet, type ToFleet } from "./widget-fleet-protocol.js";
import { connectWidgets } from "./widgets.js";

let pending: [number, number][] = [];
let sockets: Awaited<ReturnType<typeof connectWidgets>> = [];
const send = (m: FromFleet) => process.send!(m);
// Batched: one IPC message per 20 ms rather than one per suggestion.
const flush = setInterval(() => {
  if (pending.length === 0) return;
  send({ type: "receipts", receipts: pending });
  pending = [];
}, 20);

process.on("message", (m: ToFleet) => {
  if (m.type === "close") {
    clearInterval(flush);
    if (pending.length > 0) send({ type: "receipts", receipts: pending });
    sockets.forEach((s) => s.close());
    process.disconnect();
    return;
  }
  connectWidgets(m.url, m.count, m.origin, m.prefix).then(
    (connected) => {
      sockets = connected;
      sockets.forEach((socket, i) =>
        socket.on("suggestion:created", (_s: unknown, ack?: (r: { ok: true }) => void) => {
          const at = monotonicMs();
          ack?.({ ok: true }); // the suggestion counts as delivered
          pending.push([i, at]);
        }),
      );
      send({ type: "connected" });
    },
    (err: unknown) => send({ type: "error", message: err instanceof Error ? err.message : String(err) }),
  );
});

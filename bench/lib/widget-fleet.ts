/**
 * Widgets in a process of their own, for the push-latency bench. In the bench process they shared an event loop
 * and a heap with the load generator, and its garbage collection sat inside the measured latencies (scavenges of
 * ~10 ms every ~250 ms, full collections of ~37 ms). Here a widget notes when each `suggestion:created` arrived
 * on the machine's monotonic clock (`process.hrtime`, one clock for every process), and the bench process
 * matches that against when it sent the push, on the same clock.
 *
 * The child is bench/lib/widget-fleet-main.ts, started with an IPC channel; it inherits the bench process's cores.
 */
import { fork } from "node:child_process";
import { bundle } from "./child.js";
import { monotonicMs, type FromFleet, type ToFleet } from "./widget-fleet-protocol.js";

export interface WidgetFleet {
  /** Starts the clock for a session (the first push only, until its suggestion arrives). */
  sent(session: string): void;
  /** Push → `suggestion:created` latencies measured so far, ms. */
  latencies: number[];
  /** Closes the widgets (after the arrivals still on their way) and ends the process. */
  close(): Promise<void>;
}

/** `count` widgets of sessions `${prefix}0…` in a child process, connected to `url`, timed against `sent`. */
export async function startWidgetFleet(root: string, url: string, count: number, prefix: string): Promise<WidgetFleet> {
  const file = await bundle("bench/lib/widget-fleet-main.ts", root);
  const child = fork(file, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  child.on("message", (m: FromFleet) => {
    if (m.type !== "receipts") return;
    for (const [i, at] of m.receipts) {
      const t = sentAt.get(i);
      // A suggestion from before this push (an earlier one still on its way) does not stop its clock.
      if (t === undefined || at < t) continue;
      latencies.push(at - t);
      sentAt.delete(i);
    }
  });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: FromFleet) => {
      if (m.type === "connected") resolve();
      else if (m.type === "error") reject(new Error(`widget fleet: ${m.message}`));
      else return;
      child.off("message", onMessage);
    };
    child.on("message", onMessage);
    child.once("exit", (code) => reject(new Error(`widget fleet exited with ${code}`)));
    child.send({ type: "connect", url, count, origin: url, prefix } satisfies ToFleet);
  });
  return {
    latencies,
    sent(session) {
      const i = Number(session.slice(prefix.length));
      if (!sentAt.has(i)) sentAt.set(i, monotonicMs());
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.send({ type: "close" } satisfies ToFleet);
      }),
  };
}

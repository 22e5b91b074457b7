/**
 * The event loop's thread first. Everything Pilotlight does for a request runs on the main thread; the
 * process's other threads — V8's optimising compiler and GC helpers, libuv's pool, the WAL checkpointer — do
 * work that can wait. On Linux, where a nice value belongs to a thread, they get a higher one (a lower CPU
 * priority) than the main thread.
 *
 * With cores to spare this changes nothing: the helpers run beside the main thread. Where the server has one
 * core (a container limited to one CPU; the benches pin it to one) it decides who waits when both want the
 * core. Measured on the realtime bench (1,000 widgets, 500 actions/s, one core), V8's compiler threads alone
 * took 5–30 % of the core; at the main thread's priority each of their jobs held the event loop up, and
 * push → suggestion:created p99 was 53–62 ms; at nice 10, 19–27 ms (three pairs), the median unchanged. The
 * helpers still get the core whenever the event loop is idle.
 *
 * Threads also start later (libuv's pool with the first file served), so the scan repeats. Niceness is only
 * ever raised: a process started under `nice` keeps its value, and lowering one would need privileges.
 */
import fs from "node:fs";
import os from "node:os";

/** Nice value of the helper threads: CFS then gives the main thread ~10× their share when both are runnable. */
export const HELPER_THREAD_NICENESS = 10;
const RESCAN_MS = 2_000;

export interface HelperThreads {
  stop(): void;
}

/** Sets every thread but the main one to `HELPER_THREAD_NICENESS` now and every few seconds; a no-op off Linux. */
export function deprioritiseHelperThreads(): HelperThreads {
  if (process.platform !== "linux") return { stop: () => undefined };
  const scan = () => {
    let tids: string[];
    try {
      tids = fs.readdirSync("/proc/self/task");
    } catch {
      return;
    }
    for (const name of tids) {
      const tid = Number(name);
      // The main thread's id is the process id.
      if (tid === process.pid) continue;
      try {
        if (os.getPriority(tid) < HELPER_THREAD_NICENESS) os.setPriority(tid, HELPER_THREAD_NICENESS);
      } catch {
        // Ended between the listing and here; or not ours to change (then it stays as it was).
      }
    }
  };
  scan();
  const timer = setInterval(scan, RESCAN_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

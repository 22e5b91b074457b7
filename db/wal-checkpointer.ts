/**
 * WAL checkpoints off the event loop. SQLite checkpoints from inside a commit once the WAL passes its
 * threshold: it copies every page the WAL holds back into the database file and fsyncs twice, and the commit
 * — so the event loop — waits. Measured on the realtime bench (500 actions/s with suggestions), that was a
 * 25–30 ms stall about once a second, which alone put the ingest → suggestion p99 past 25 ms.
 *
 * Here a worker thread with a connection of its own runs passive checkpoints every `intervalMs`: they never
 * block the writer (which keeps committing meanwhile), and SQLite starts the WAL over once a checkpoint has
 * caught up. Not much more often than SQLite would on its own: a checkpoint copies each page the WAL holds
 * once, however often it was rewritten, so frequent checkpoints of hot pages cost more in total. The worker owns nothing else — every read and write stays on the main connection — and the main
 * connection keeps a high checkpoint threshold of its own as a safety valve should the worker fall behind.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { Db } from "./connection.js";

// Plain CommonJS, evaluated in the worker: no file of its own to ship beside the bundle.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.sqlite);
const db = new Database(workerData.file, { fileMustExist: true });
// A round copies what the WAL holds; frames committed meanwhile are copied by a quick follow-up, until it has
// caught up — then the next commit starts the WAL over, so it does not grow under sustained writes.
const timer = setInterval(() => {
  try {
    for (let round = 0; round < 8; round++) {
      const [{ log, checkpointed }] = db.pragma("wal_checkpoint(PASSIVE)");
      if (checkpointed >= log) break;
    }
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
}, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpointer {
  /** Stops the worker (after its checkpoint in progress, if any) and closes its connection. */
  stop(): Promise<void>;
}

export function startWalCheckpointer(db: Db, options: { intervalMs: number; onError: (message: string) => void }): WalCheckpointer {
  const require = createRequire(import.meta.url);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file: db.name, sqlite: require.resolve("better-sqlite3"), intervalMs: options.intervalMs },
  });
  worker.unref();
  worker.on("message", (m: { error?: string }) => {
    if (m.error) options.onError(m.error);
  });
  worker.on("error", (err) => options.onError(err.message));
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        // Held while it stops: the process must not end (with nothing else left to do) before it has.
        worker.ref();
        worker.once("exit", () => resolve());
        worker.postMessage("stop");
      });
      return stopped;
    },
  };
}

/**
 * The server process gives its event-loop thread the CPU first: every other thread of it (V8's compiler and GC
 * helpers, libuv's pool, the WAL checkpointer) runs at a higher nice value, and so does a thread started after
 * the first look. Read from /proc, as an operator would see it with `ps -L -o tid,ni`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HELPER_THREAD_NICENESS } from "../../server/ops/helper-threads.js";
import { runNode } from "../helpers/run-node.js";
import { spawnServer, type SpawnedServer } from "../helpers/spawn-server.js";
import { tempDir } from "../helpers/test-server.js";

/** Each thread's nice value (field 19 of /proc/<pid>/task/<tid>/stat), by thread id. */
function niceness(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ");
      out.set(Number(tid), Number(fields[16]));
    } catch {
      // The thread ended while we read.
    }
  }
  return out;
}

const dirs: string[] = [];
let server: SpawnedServer | undefined;
afterAll(async () => {
  server?.child.kill("SIGTERM");
  await server?.exited;
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

describe.runIf(process.platform === "linux")("helper threads", () => {
  it("run below the event loop's priority in the server process; the main thread keeps its own", async () => {
    const dir = tempDir("pilotlight-threads-");
    dirs.push(dir);
    server = await spawnServer({ DATABASE_PATH: path.join(dir, "p.db"), LOG_LEVEL: "info" });
    const pid = server.child.pid!;
    const ownNice = os.getPriority();
    let threads = niceness(pid);
    const deadline = Date.now() + 10_000;
    const helpersDone = () => [...threads].every(([tid, nice]) => tid === pid || nice >= HELPER_THREAD_NICENESS);
    while (!helpersDone() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      threads = niceness(pid);
    }
    const helpers = [...threads].filter(([tid]) => tid !== pid);
    // V8's platform threads, libuv's pool and the checkpointer at the least.
    expect(helpers.length).toBeGreaterThanOrEqual(5);
    expect(helpers.filter(([, nice]) => nice < HELPER_THREAD_NICENESS)).toEqual([]);
    expect(threads.get(pid)).toBe(ownNice);
    // Still serving.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("a thread started after the first scan is lowered too, within a rescan", async () => {
    // A process of its own: the scan changes every thread but the main one of the process it runs in.
    const script = `
      import { Worker } from "node:worker_threads";
      import fs from "node:fs";
      import { deprioritiseHelperThreads } from ${JSON.stringify(new URL("../../server/ops/helper-threads.ts", import.meta.url).pathname)};
      const threads = () => new Set(fs.readdirSync("/proc/self/task"));
      const before = threads();
      const scan = deprioritiseHelperThreads();
      const worker = new Worker("setInterval(() => {}, 1000)", { eval: true });
      await new Promise((r) => worker.once("online", r));
      const started = [...threads()].filter((t) => !before.has(t));
      const nice = (t) => Number(fs.readFileSync("/proc/self/task/" + t + "/stat", "utf8").split(") ")[1].split(" ")[16]);
      const atStart = started.map(nice);
      await new Promise((r) => setTimeout(r, 2_500));
      console.log(JSON.stringify({ started: started.length, atStart, later: started.map(nice), main: nice(String(process.pid)) }));
      scan.stop();
      await worker.terminate();
    `;
    const run = runNode(["--import", import.meta.resolve("tsx"), "--input-type=module", "-e", script], { PATH: process.env.PATH ?? "" }, process.cwd());
    expect(await run.exited).toBe(0);
    const report = JSON.parse(run.stdout().trim().split("\n").at(-1)!) as { started: number; atStart: number[]; later: number[]; main: number };
    expect(report.started).toBeGreaterThan(0);
    // Started after the first scan at the creator's priority; lowered by a later one.
    expect(report.atStart.some((n) => n < HELPER_THREAD_NICENESS)).toBe(true);
    expect(report.later.every((n) => n >= HELPER_THREAD_NICENESS)).toBe(true);
    expect(report.main).toBe(os.getPriority());
  });
});

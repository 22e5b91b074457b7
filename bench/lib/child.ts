/** Starts a TypeScript entry point as a child process and waits for the port it prints or logs. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import os from "node:os";

const cpus = os.availableParallelism();
const hasTaskset = spawnSync("taskset", ["-V"]).status === 0;

export interface Child {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

export async function startChild(entry: string, env: Record<string, string>, cwd: string): Promise<Child> {
  // On a multi-core machine the server gets a core of its own (the load generator keeps the others), so
  // the two do not fight over one CPU and the numbers measure the server.
  const pin = cpus > 1 && hasTaskset ? ["taskset", "-c", String(cpus - 1)] : [];
  const [cmd, ...args] = [...pin, process.execPath, "--import", "tsx", entry];
  const child = spawn(cmd!, args, {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${entry} did not start:\n${out}`));
    }, 30_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on("exit", (code) => reject(new Error(`${entry} exited with ${code}:\n${out}`)));
  });
  child.stdout!.resume();
  return {
    child,
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/**
 * Runs `server/main.ts` as a real child process (through tsx), the way `npm start` does, and waits for
 * its "listening" log line. Used where the process itself is under test: start-up, signals, crashes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface SpawnedServer {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<number | string>;
}

export function runMain(env: Record<string, string>, cwd = ROOT): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | string> } {
  const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), path.join(ROOT, "server/main.ts")], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "test", HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

export async function spawnServer(env: Record<string, string>, timeoutMs = 20_000, cwd = ROOT): Promise<SpawnedServer> {
  const run = runMain(env, cwd);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${run.stdout()}\n${run.stderr()}`)), timeoutMs);
    const check = () => {
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"Pilotlight listening"/.exec(run.stdout());
      if (match) {
        clearTimeout(timer);
        run.child.stdout!.off("data", check);
        resolve(match[1]!);
      }
    };
    run.child.stdout!.on("data", check);
    void run.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${run.stdout()}\n${run.stderr()}`));
    });
  });
  return { ...run, url };
}

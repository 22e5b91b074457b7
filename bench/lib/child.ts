/**
 * Starts a server under test as a child process and waits for the port it prints or logs.
 *
 * Servers run as production runs them: Pilotlight from the esbuild bundle in dist/ (`npm start`'s
 * `node --enable-source-maps dist/server/main.js`), baselines bundled the same way, never through tsx. On a
 * multi-core machine the server gets the last core to itself; the bench process and its load generators
 * keep the others (see `pinBenchProcess`), so the two never fight over one CPU.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as esbuild from "esbuild";

const cpus = os.availableParallelism();
const hasTaskset = spawnSync("taskset", ["-V"]).status === 0;
/** Whether server and load generator can be given cores of their own. */
export const canPin = cpus > 1 && hasTaskset;
/** The core servers under test run on; everything else of the bench stays off it. */
export const SERVER_CORE = cpus - 1;

export interface Child {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra `node` flags, e.g. `--cpu-prof` for a profile of the run. */
  nodeArgs?: string[];
}

let serverBuilt: Promise<void> | undefined;

/** `npm run build`'s server bundle, built once per bench run from the current sources. */
function buildServer(root: string): Promise<void> {
  serverBuilt ??= new Promise<void>((resolve, reject) => {
    const build = spawn(process.execPath, ["scripts/build.mjs", "--only=server"], { cwd: root, stdio: "inherit" });
    build.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`server build exited with ${code}`))));
  });
  return serverBuilt;
}

/** Bundles a TypeScript entry (a baseline, the load generator) to plain JS under dist/bench/, like the server. */
export async function bundle(entry: string, root: string): Promise<string> {
  const outfile = path.join(root, "dist", "bench", `${path.basename(entry, ".ts")}.js`);
  await esbuild.build({
    entryPoints: [path.join(root, entry)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
  return outfile;
}

/** The command that runs `file` on `core` (when pinning is possible). */
export function pinned(core: number, args: string[]): string[] {
  return canPin ? ["taskset", "-c", String(core), ...args] : args;
}

/** Keeps the bench process (and the load generators it spawns) off the servers' core. */
export function pinBenchProcess(): void {
  if (!canPin) return;
  const others = Array.from({ length: cpus - 1 }, (_, i) => i).join(",");
  spawnSync("taskset", ["-a", "-p", "-c", others, String(process.pid)], { stdio: "ignore" });
}

export async function startChild(entry: string, env: Record<string, string>, cwd: string, options: StartOptions = {}): Promise<Child> {
  let file: string;
  if (entry === "server/main.ts") {
    await buildServer(cwd);
    file = path.join(cwd, "dist", "server", "main.js");
  } else {
    file = await bundle(entry, cwd);
  }
  if (!fs.existsSync(file)) throw new Error(`${file} was not built`);
  const [cmd, ...args] = pinned(SERVER_CORE, [process.execPath, "--enable-source-maps", ...(options.nodeArgs ?? []), file]);
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

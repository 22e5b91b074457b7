/**
 * Runs `server/main.ts` as a real child process (through tsx), the way `npm start` does, and waits for
 * its "listening" log line. Used where the process itself is under test: start-up, signals, crashes.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runNode, type NodeRun } from "./run-node.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface SpawnedServer extends NodeRun {
  url: string;
}

/** How the server is run: from source through tsx, or the built bundle the way `npm start` runs it (build first). */
export type Entry = "source" | "built";

const ARGS: Record<Entry, () => string[]> = {
  source: () => ["--import", import.meta.resolve("tsx"), path.join(ROOT, "server/main.ts")],
  built: () => ["--enable-source-maps", path.join(ROOT, "dist/server/main.js")],
};

export function runMain(env: Record<string, string>, cwd = ROOT, entry: Entry = "source"): NodeRun {
  return runNode(ARGS[entry](), { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "test", HOST: "127.0.0.1", PORT: "0", ...env }, cwd);
}

export async function spawnServer(env: Record<string, string>, timeoutMs = 20_000, cwd = ROOT, entry: Entry = "source"): Promise<SpawnedServer> {
  const run = runMain(env, cwd, entry);
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

/** Runs test/redis/fixtures/coordination-child.ts as a real child process and reads its lines. */
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runNode } from "../helpers/run-node.js";
import { TEST_REDIS_URL } from "./redis-env.js";

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/coordination-child.ts");

export interface Child {
  child: ChildProcess;
  lines(): string[];
  exited: Promise<number | string>;
}

export function startChild(args: string[]): Child {
  const run = runNode(["--import", import.meta.resolve("tsx"), FIXTURE, ...args], { PATH: process.env.PATH ?? "", PILOTLIGHT_TEST_REDIS_URL: TEST_REDIS_URL });
  return {
    child: run.child,
    lines: () => run.stdout().split("\n").filter(Boolean).concat(run.stderr() ? [`stderr: ${run.stderr()}`] : []),
    exited: run.exited,
  };
}

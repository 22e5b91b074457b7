import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The sample payloads (a copy of the product's shared fixtures, so a clean clone is self-contained). */
export const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures");

export function fixtureText(name: string): string {
  return fs.readFileSync(path.join(FIXTURES_DIR, name), "utf8");
}

export function fixtureJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

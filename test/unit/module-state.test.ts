/**
 * STYLE.md: no module-level mutable state. A Map or Set created empty at module level is a store that fills
 * while the server runs: shared by every app in the process (tests run many) and owned by none, so nothing
 * bounds or clears it with its app. Caches belong to the app (its deps) or to one call.
 * Constant lookup tables (created with their contents) and WeakMap memos of immutable objects are fine.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SERVER = path.resolve(import.meta.dirname, "../../server");

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith(".ts") ? [full] : [];
  });
}

/** Top-level (unindented) declarations of an empty Map or Set: `const cache = new Map<string, X>();`. */
const EMPTY_STORE = /^(?:export\s+)?(?:const|let|var)\s+(\w+)[^=\n]*=\s*new\s+(?:Map|Set)\s*(?:<[^\n]*?>)?\s*\(\s*\)/gm;

describe("module-level state", () => {
  it("no server module keeps an empty Map or Set at module level (a store every app in the process would share)", () => {
    const found = sources(SERVER).flatMap((file) =>
      [...fs.readFileSync(file, "utf8").matchAll(EMPTY_STORE)].map((m) => `${path.relative(SERVER, file)}: ${m[1]}`),
    );
    expect(found).toEqual([]);
  });
});

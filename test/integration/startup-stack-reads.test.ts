/**
 * Starting the app reads no error's stack. `npm start` runs the bundle under `--enable-source-maps`, where the
 * first stack read parses the bundle's whole source map and keeps it for the life of the process: ~8 MB of heap
 * at idle (a quarter of it), every full collection marking it again. express-rate-limit read one per limiter
 * to check where it was created.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/test-server.js";

type Prepare = NonNullable<typeof Error.prepareStackTrace>;

let server: TestServer | undefined;
const original = Error.prepareStackTrace;
afterEach(async () => {
  Error.prepareStackTrace = original;
  await server?.close();
  server = undefined;
});

/** Counts the stacks read while it is installed (V8 calls the hook on an error's first `.stack` read). */
function countStackReads(): { messages: string[] } {
  const seen = { messages: [] as string[] };
  const counting: Prepare = (error, frames) => {
    seen.messages.push(error.message);
    return original ? original(error, frames) : `${String(error)}\n${frames.map((f) => `    at ${String(f)}`).join("\n")}`;
  };
  Error.prepareStackTrace = counting;
  return seen;
}

describe("starting the app", () => {
  it("reads no error stack, so a source-mapped bundle never loads its source map at start", async () => {
    // The hook works here: a stack read is seen.
    const probe = countStackReads();
    void new Error("probe").stack;
    expect(probe.messages).toEqual(["probe"]);

    const seen = countStackReads();
    server = await startTestServer();
    expect(seen.messages).toEqual([]);
    // Still serving (limits.test.ts shows the limiters still limit).
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

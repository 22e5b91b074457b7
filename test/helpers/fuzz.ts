/**
 * Fuzzing building blocks (fast-check): hostile inputs, and a runner that drives any target — an HTTP
 * route or a socket event — and checks the rules every edge must keep: no 5xx (or failed ack), a clear
 * error code on rejection, nothing stored from rejected input, no prototype pollution.
 *
 * A target is two things: how to send one input, and how to tell accepted from rejected: `httpTarget`
 * for a route (or a stream), and socket-fuzz.ts for the widget's handshake and commands.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { rowCounts } from "./db-counts.js";
import type { TestServer } from "./test-server.js";

export type FuzzOutcome =
  | { kind: "accepted" }
  | { kind: "rejected"; code: string }
  /** A 5xx, a failed ack, a dropped connection, or a rejection without our error shape. */
  | { kind: "broken"; detail: string };

export interface FuzzTarget<I> {
  name: string;
  inputs: fc.Arbitrary<I>;
  send(server: TestServer, input: I): Promise<FuzzOutcome>;
}

export interface FuzzStats {
  accepted: number;
  rejected: number;
  codes: Record<string, number>;
}

/** Runs from FUZZ_RUNS (default 1000) per property; set it higher for a longer hunt. */
export const fuzzRuns = (fallback = 1000): number => Number(process.env.FUZZ_RUNS ?? fallback);

/**
 * A hang guard for one fuzz test (not a speed check): the default test timeout, or more when FUZZ_RUNS asks
 * for a longer hunt (up to 50 ms a run).
 */
export const fuzzTimeoutMs = (): number => Math.max(30_000, Number(process.env.FUZZ_RUNS ?? 0) * 50);

export async function runFuzz<I>(server: TestServer, target: FuzzTarget<I>, numRuns = fuzzRuns()): Promise<FuzzStats> {
  const stats: FuzzStats = { accepted: 0, rejected: 0, codes: {} };
  await fc.assert(
    fc.asyncProperty(target.inputs, async (input) => {
      const before = await rowCounts(server.sql);
      const outcome = await target.send(server, input);
      expect(outcome, `${target.name}: the server must answer with 2xx or a clear 4xx`).not.toMatchObject({ kind: "broken" });
      if (outcome.kind === "rejected") {
        stats.rejected += 1;
        stats.codes[outcome.code] = (stats.codes[outcome.code] ?? 0) + 1;
        expect(await rowCounts(server.sql), `${target.name}: rejected input (${outcome.code}) must store nothing`).toEqual(before);
      } else {
        stats.accepted += 1;
      }
      expect(Object.keys(Object.prototype), "Object.prototype must not be polluted").toEqual([]);
    }),
    { numRuns, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}) },
  );
  // FUZZ_VERBOSE=1 shows what the mix reached (to tune a target's inputs).
  if (process.env.FUZZ_VERBOSE) console.log(`${target.name}: ${JSON.stringify(stats)}`);
  return stats;
}

// --- HTTP targets

export interface HttpInput {
  headers: Record<string, string>;
  /** None for GET. */
  body?: string | Uint8Array;
  /** Replaces the target's path (to vary path parameters or the query string). */
  path?: string;
}

export interface HttpTargetOptions {
  /**
   * The route answers 2xx with a never-ending `text/event-stream`: that counts as accepted once the headers
   * say so, and the stream is closed right after them (its body is never read).
   */
  stream?: boolean;
}

/** Classifies an HTTP answer: 2xx accepted; 4xx with `{error:{code,message}}` rejected; anything else broken. */
export async function classifyHttp(res: Response): Promise<FuzzOutcome> {
  const text = await res.text();
  if (res.status >= 200 && res.status < 300) return { kind: "accepted" };
  if (res.status >= 400 && res.status < 500) {
    try {
      const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      if (typeof body.error?.code === "string" && typeof body.error.message === "string" && body.error.message !== "") {
        return { kind: "rejected", code: body.error.code };
      }
    } catch {
      /* falls through */
    }
    return { kind: "broken", detail: `HTTP ${res.status} without a JSON error: ${text.slice(0, 200)}` };
  }
  return { kind: "broken", detail: `HTTP ${res.status}: ${text.slice(0, 200)}` };
}

export function httpTarget(
  name: string,
  method: string,
  path: string,
  inputs: fc.Arbitrary<HttpInput>,
  options: HttpTargetOptions = {},
): FuzzTarget<HttpInput> {
  return {
    name,
    inputs,
    async send(server, input) {
      const controller = new AbortController();
      try {
        const body = input.body === undefined || typeof input.body === "string" ? input.body : new Uint8Array(input.body);
        const res = await fetch(`${server.url}${input.path ?? path}`, { method, headers: input.headers, body, signal: controller.signal });
        if (options.stream && res.status >= 200 && res.status < 300) {
          const type = res.headers.get("content-type") ?? "";
          controller.abort();
          return type.startsWith("text/event-stream") ? { kind: "accepted" } : { kind: "broken", detail: `HTTP ${res.status} with content type ${type}, not a stream` };
        }
        return await classifyHttp(res);
      } catch (err) {
        return { kind: "broken", detail: `request failed: ${err instanceof Error ? `${err.message} ${String(err.cause ?? "")}` : String(err)}` };
      }
    },
  };
}

// --- hostile values

/** Strings that break naive code: control characters, lone surrogates, RTL overrides, prototype keys… */
export const weirdString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "",
    "\u0000", "\uD800", "\uDFFF", "\u202Eevil", "\uFEFF", "\u200B", "👩‍👩‍👧‍👦", "null", "NaN", "-0",
    "../../etc/passwd", "<script>alert(1)</script>", "' OR 1=1 --", "%00", "\r\n\r\n",
  ),
);

/**
 * Keys for objects: the field names a schema looks for, prototype-pollution keys, keys that make an object look
 * like a string or list to code that only asks for `.length`, and noise.
 */
export const hostileKey = (fields: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(fc.constantFrom(...fields, "__proto__", "constructor", "prototype", "length", "toString", "valueOf"), weirdString);

/** Numbers as JSON text, including what JSON.parse turns into Infinity or loses precision on. */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.constantFrom("1e999", "-1e999", "1e-400", "-0", "123456789012345678901234567890", "0.1e1"),
);

/** Any JSON value as text, with hostile keys and strings; objects may repeat keys. */
export function jsonText(fields: readonly string[], maxDepth = 4): fc.Arbitrary<string> {
  const scalar = fc.oneof(
    fc.constant("null"),
    fc.boolean().map(String),
    numberText,
    weirdString.map((s) => JSON.stringify(s)),
    // Has a length that is no number, and cannot become one (zod used to throw measuring it).
    fc.constant('{"length":{"toString":0}}'),
  );
  const { value } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
    value: fc.oneof({ depthSize: "small", maxDepth }, scalar, tie("array"), tie("object")),
    array: fc.array(tie("value"), { maxLength: 4 }).map((xs) => `[${xs.join(",")}]`),
    object: fc
      .array(fc.tuple(hostileKey(fields), tie("value")), { maxLength: 5 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`),
  }));
  return value;
}

/** Deeply nested arrays or objects (JSON.parse copes; code walking them recursively might not). */
export const deepNesting: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 100, max: 200_000 }), fc.boolean())
  .map(([depth, arrays]) => (arrays ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth)));

/** A long string, sometimes past a 1 MiB body limit. Rare in mixes: each costs real bytes. */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 1_000, max: 1_200_000 }), fc.constantFrom("x", "é", "😀", "\\u0000"))
  .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)));

/** Bodies that are not JSON at all, or broken JSON. */
export const brokenJson: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }),
  fc.constantFrom("", " ", "{", "[", '{"type":"actions",', "{'a':1}", "NaN", "undefined", '{"a":1}garbage', "\uFEFF{}", '"\\uD800"'),
);

/** An object as JSON text built from [key, valueText] entries (so `__proto__` stays a literal key). */
export const objectText = (entries: readonly (readonly [string, string])[]): string =>
  `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`;

/** Printable ASCII only: what a header value can carry (fetch and node:http refuse control characters). */
export const printable = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });

/** A weird string as JSON text. */
export const jsonString: fc.Arbitrary<string> = weirdString.map((s) => JSON.stringify(s));

/** A field's value as JSON text: usually the right kind, sometimes any hostile JSON. */
export const mostly = (right: fc.Arbitrary<string>, fields: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 9, arbitrary: right }, { weight: 1, arbitrary: jsonText(fields, 2) });

/** Up to two extra entries with hostile keys, to append to an object's own. */
export const extraEntries = (fields: readonly string[]): fc.Arbitrary<[string, string][]> =>
  fc.array(fc.tuple(hostileKey(fields), jsonText(fields, 2)), { maxLength: 2 });

/** Sometimes `__proto__` and `constructor` entries that would pollute a naive merge. */
export const pollutionEntries: fc.Arbitrary<[string, string][]> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<[string, string][]>([]) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('{"polluted":true}', '{"__proto__":{"polluted":true}}', '{"prototype":{"polluted":1}}')
      .map((v): [string, string][] => [["__proto__", v], ["constructor", v]]),
  },
);

/** An object as JSON text from a record of field → JSON text, plus extra entries. */
export const recordText = (fields: Record<string, string>, ...more: (readonly (readonly [string, string])[])[]): string =>
  objectText([...Object.entries(fields), ...more.flat()]);

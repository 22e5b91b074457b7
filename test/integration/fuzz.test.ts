/**
 * Fuzz suite: thousands of malformed inputs against every ingest edge. Rules checked on each (see
 * test/helpers/fuzz.ts): no 5xx, a clear `{error:{code,message}}` on rejection, no rows stored from
 * rejected input, no prototype pollution — and afterwards the process still serves.
 *
 * FUZZ_RUNS sets the runs per property (default 1000); FUZZ_SEED replays a failure fast-check reported.
 * The other edges have their own files (fuzz-capture, fuzz-posthog, fuzz-stream, fuzz-widget); a new
 * target is one more `httpTarget(...)` or `FuzzTarget`.
 */
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signConnector, signPilotlight } from "../../server/ingest/push-signature.js";
import {
  brokenJson,
  deepNesting,
  fuzzTimeoutMs,
  hostileKey,
  httpTarget,
  hugeString,
  jsonText,
  numberText,
  objectText,
  runFuzz,
  weirdString,
  type HttpInput,
} from "../helpers/fuzz.js";
import { pushEvent } from "../helpers/signing.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";

const PAYLOAD_FIELDS = ["type", "product_id", "session_id", "user_id", "email", "conversation_id", "count", "forwarded_at", "actions", "summary", "replaces"];
const ACTION_FIELDS = ["index", "type", "title", "description", "canonical_url", "raw_url", "timestamp_start", "timestamp_end", "session_id", "user_id"];

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/vnd.autoplay+json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/jsonx",
  "",
];

let server: TestServer;
beforeAll(async () => {
  // No rate limit here: thousands of requests from one address would otherwise end up as 429s.
  // No proactive suggestions: every row count seen here comes from the input under test, not from
  // background work that earlier accepted inputs started.
  server = await startTestServer({ env: { RATE_LIMIT_WEBHOOK_PER_MIN: "0", SUGGESTIONS_ENABLED: "false" } });
});
afterAll(async () => {
  await server.close();
});

// --- push webhook inputs

type Auth = "pilotlight" | "connector" | "none" | "wrong-secret" | "stale" | "other-body";

function signedHeaders(auth: Auth, body: string | Uint8Array): Record<string, string> {
  const bytes = typeof body === "string" ? body : Buffer.from(body);
  const now = Math.floor(Date.now() / 1000);
  switch (auth) {
    case "pilotlight":
      return { "x-pilotlight-signature": signPilotlight(TEST_SECRETS.PUSH_SECRET, bytes, now) };
    case "connector":
      return { "x-connector-signature": signConnector(TEST_SECRETS.PUSH_SECRET, bytes) };
    case "wrong-secret":
      return { "x-pilotlight-signature": signPilotlight("not-the-secret-0123456789", bytes, now) };
    case "stale":
      return { "x-pilotlight-signature": signPilotlight(TEST_SECRETS.PUSH_SECRET, bytes, now - 3600) };
    case "other-body":
      return { "x-connector-signature": signConnector(TEST_SECRETS.PUSH_SECRET, `${bytes.toString()} `) };
    case "none":
      return {};
  }
}

/** A field value: usually the right kind, sometimes any hostile JSON. */
const field = (right: fc.Arbitrary<string>) => fc.oneof({ weight: 9, arbitrary: right }, { weight: 1, arbitrary: jsonText(PAYLOAD_FIELDS, 2) });
/** Mostly JSON content types (so bodies get past the 415 check), sometimes anything. */
const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("application/json", "application/json; charset=utf-8") },
  { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
);
const text = weirdString.map((s) => JSON.stringify(s));
const extras = (fields: readonly string[]) => fc.array(fc.tuple(hostileKey(fields), jsonText(fields, 2)), { maxLength: 2 });

const action = fc
  .tuple(
    fc.record(
      {
        index: field(fc.nat(50).map(String)),
        type: field(fc.constantFrom('"click"', '"pageview"', '"submit"', '"type"', '"unknown-kind"', '""', "null")),
        title: field(text),
        description: field(text),
        canonical_url: field(fc.constantFrom('"/a/:id"', '"https://app.example.com/x"', '""').map(String)),
        timestamp_start: field(fc.oneof(numberText, fc.constantFrom('"12.5"', '""', "null"))),
        session_id: field(fc.constantFrom('"s-fuzz"', '"s-other"', '""', "null")),
      },
      { requiredKeys: ["title", "description", "canonical_url"] },
    ),
    extras(ACTION_FIELDS),
  )
  .map(([fields, more]) => objectText([...Object.entries(fields), ...more]));

/** Payload-shaped JSON: mostly well-formed, with wrong types, hostile keys and sizes mixed in. */
const payloadJson = fc
  .tuple(
    fc.record(
      {
        type: field(fc.constantFrom('"actions"', '"summary"', '"Actions"', "null")),
        product_id: field(fc.constantFrom('"demo"', '"demo"', '"demo"', "null", '""', '"__proto__"', '"constructor"')),
        session_id: field(fc.oneof(fc.constantFrom('"s-fuzz"', '"s-fuzz-2"', '""', "null"), text)),
        count: field(fc.nat(10).map(String)),
        forwarded_at: field(numberText),
        actions: field(fc.array(action, { maxLength: 4 }).map((xs) => `[${xs.join(",")}]`)),
        summary: field(text),
        replaces: field(fc.nat(10).map(String)),
      },
      { requiredKeys: [] },
    ),
    extras(PAYLOAD_FIELDS),
    fc.constantFrom('{"polluted":true}', '{"__proto__":{"polluted":true}}', '{"prototype":{"polluted":1}}'),
    fc.boolean(),
  )
  .map(([fields, more, pollution, withPollution]) =>
    objectText([...Object.entries(fields), ...more, ...(withPollution ? ([["__proto__", pollution], ["constructor", pollution]] as const) : [])]),
  );

const anyBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: brokenJson },
  { weight: 4, arbitrary: jsonText(PAYLOAD_FIELDS) },
  { weight: 4, arbitrary: payloadJson },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: hugeString.map((s) => JSON.stringify({ type: "actions", session_id: "s-huge", actions: [{ title: s, description: "d", canonical_url: "/" }] })) },
);

const printable = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });
const hex64 = fc.stringMatching(/^[0-9a-fA-F]{64}$/);
const pilotlightHeader = fc.oneof(
  printable(300),
  fc
    .tuple(fc.oneof(fc.integer().map(String), fc.constantFrom("", "-1", "1e3", "99999999999999999", "now")), fc.array(fc.oneof(hex64, printable(80)), { maxLength: 6 }))
    .map(([t, vs]) => [`t=${t}`, ...vs.map((v) => `v1=${v}`)].join(",")),
);
const connectorHeader = fc.oneof(printable(300), hex64.map((h) => `sha256=${h}`), fc.constantFrom("sha256=", "sha1=abc", "SHA256=00"));

// --- targets

const pushAnything = httpTarget(
  "push webhook: any body, any content type, any auth",
  "POST",
  "/v1/webhooks/actions",
  fc
    .record({ body: anyBody, contentType: fc.option(contentType, { freq: 10 }), auth: fc.constantFrom<Auth>("pilotlight", "connector", "none", "wrong-secret", "stale", "other-body") })
    .map(({ body, contentType, auth }): HttpInput => ({
      body,
      headers: { ...(contentType === null ? {} : { "content-type": contentType }), ...signedHeaders(auth, body) },
    })),
);

const pushSignedPayloads = httpTarget(
  "push webhook: validly signed payload-shaped JSON",
  "POST",
  "/v1/webhooks/actions",
  fc
    .tuple(payloadJson, fc.constantFrom<Auth>("pilotlight", "connector"))
    .map(([body, auth]): HttpInput => ({ body, headers: { "content-type": "application/json", ...signedHeaders(auth, body) } })),
);

const validBody = JSON.stringify({ type: "actions", session_id: "s-headers", actions: [{ title: "t", description: "d", canonical_url: "/" }] });
const pushHeaders = httpTarget(
  "push webhook: hostile signature and encoding headers over a valid body",
  "POST",
  "/v1/webhooks/actions",
  fc
    .record({
      pilotlight: fc.option(pilotlightHeader),
      connector: fc.option(connectorHeader),
      encoding: fc.option(fc.constantFrom("gzip", "deflate", "br", "identity", "x-unknown", "gzip, gzip", "gzip:valid", "gzip:bomb")),
      contentType,
    })
    .map(({ pilotlight, connector, encoding, contentType }): HttpInput => {
      // "gzip:valid" really compresses the body; "gzip:bomb" inflates past the body limit.
      const body =
        encoding === "gzip:valid" ? gzipSync(validBody) : encoding === "gzip:bomb" ? gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20)) : validBody;
      return {
        body,
        headers: {
          "content-type": contentType,
          ...(pilotlight === null ? {} : { "x-pilotlight-signature": pilotlight }),
          ...(connector === null ? {} : { "x-connector-signature": connector }),
          ...(encoding === null ? {} : { "content-encoding": encoding.replace(/:.*/, "") }),
        },
      };
    }),
);

describe("fuzzing the ingest edges", () => {
  it(`${pushAnything.name}`, async () => {
    const stats = await runFuzz(server, pushAnything);
    // The mix reaches every layer: content type, JSON, signature and schema checks all fire.
    expect(Object.keys(stats.codes)).toEqual(
      expect.arrayContaining(["unsupported_media_type", "malformed_json", "missing_signature", "bad_signature", "stale_signature", "invalid_payload"]),
    );
  }, fuzzTimeoutMs());

  it(`${pushSignedPayloads.name}`, async () => {
    const stats = await runFuzz(server, pushSignedPayloads);
    // Valid-looking payloads get through to storage; broken ones are refused by the schema.
    expect(stats.accepted).toBeGreaterThan(0);
    expect(stats.codes.invalid_payload ?? 0).toBeGreaterThan(0);
  }, fuzzTimeoutMs());

  it(`${pushHeaders.name}`, async () => {
    const stats = await runFuzz(server, pushHeaders);
    expect(Object.keys(stats.codes)).toEqual(expect.arrayContaining(["malformed_signature", "bad_content_encoding", "payload_too_large"]));
  }, fuzzTimeoutMs());

  it("leaves the process serving", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const ok = await pushEvent(server.url, { type: "actions", session_id: "s-after-fuzz", actions: [{ title: "t", description: "d", canonical_url: "/" }] });
    expect(ok).toEqual({ status: 202, body: { accepted: 1, duplicates: 0 } });
  });
});

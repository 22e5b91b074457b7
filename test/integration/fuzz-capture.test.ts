/**
 * Fuzzing `POST /v1/capture` (PROTOCOL.md §2.3), the one ingest route reachable with a public key: any body
 * as text/plain or JSON, wrong and missing product keys, hostile Origins, events with hostile shapes and
 * valid batches with hostile fields. Rules (test/helpers/fuzz.ts): no 5xx, a clear `{error:{code,message}}`
 * on rejection, nothing stored from rejected input, no prototype pollution; afterwards the process serves.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  brokenJson,
  deepNesting,
  extraEntries,
  fuzzRuns,
  fuzzTimeoutMs,
  httpTarget,
  hugeString,
  jsonString,
  jsonText,
  mostly,
  numberText,
  pollutionEntries,
  printable,
  recordText,
  runFuzz,
  weirdString,
  type HttpInput,
} from "../helpers/fuzz.js";
import { ALLOWED_ORIGIN, batch, rawEvent, sendCapture } from "../helpers/capture.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";

const BATCH_FIELDS = ["product_key", "session_id", "user_id", "events"];
const EVENT_FIELDS = ["type", "ts", "url", "title", "target", "rage"];
const TARGET_FIELDS = ["tag", "text", "id", "name", "role", "aria_label", "href", "input_type", "label", "form", "title", "placeholder", "submitter"];

let server: TestServer;
beforeAll(async () => {
  // No rate limits (thousands of requests from one address) and no background suggestions (row counts
  // must move only with the input under test).
  server = await startTestServer({ env: { RATE_LIMIT_PUBLIC_PER_MIN: "0", SUGGESTIONS_ENABLED: "false", ALLOWED_ORIGINS: ALLOWED_ORIGIN } });
});
afterAll(async () => {
  await server.close();
});

/** Strings at and past the schema's limits, besides weird ones. */
const longText = fc.constantFrom(500, 501, 1000, 1001, 2048, 2049, 5000).map((n) => JSON.stringify("w".repeat(n)));
const text = fc.oneof({ weight: 4, arbitrary: jsonString }, { weight: 1, arbitrary: longText });

const target = fc
  .tuple(
    fc.record(
      {
        tag: mostly(fc.constantFrom('"button"', '"a"', '"input"', '"svg"', '""', '"__proto__"'), TARGET_FIELDS),
        text: mostly(text, TARGET_FIELDS),
        id: mostly(text, TARGET_FIELDS),
        name: mostly(text, TARGET_FIELDS),
        role: mostly(fc.constantFrom('"button"', '"link"', '"tab"', "null"), TARGET_FIELDS),
        aria_label: mostly(text, TARGET_FIELDS),
        href: mostly(fc.constantFrom('"/x"', '"javascript:alert(1)"', '"https://evil.example.com/?token=abc"', '""'), TARGET_FIELDS),
        input_type: mostly(fc.constantFrom('"email"', '"password"', '"submit"', '"hidden"'), TARGET_FIELDS),
        label: mostly(text, TARGET_FIELDS),
        form: mostly(text, TARGET_FIELDS),
        submitter: mostly(text, TARGET_FIELDS),
      },
      { requiredKeys: ["tag"] },
    ),
    extraEntries(TARGET_FIELDS),
  )
  .map(([fields, more]) => recordText(fields, more));

const event = fc
  .tuple(
    fc.record(
      {
        type: mostly(fc.constantFrom('"pageview"', '"click"', '"submit"', '"change"', '"focus"', '"blur"', '"scroll"', '""', '"CLICK"'), EVENT_FIELDS),
        ts: mostly(fc.oneof(fc.integer({ min: 1, max: 9_999_999_999_999 }).map(String), numberText, fc.constantFrom("1e13", "10000000000001", '"1764000000000"', "0", "-1")), EVENT_FIELDS),
        url: mostly(
          fc.oneof(
            fc.constantFrom('"https://shop.example.com/orders/42?tab=items#top"', '"/"', '""', '"javascript:alert(1)"', '"http://[::1"', '"%E0%A4%A"', '"/a/../../b"'),
            text,
          ),
          EVENT_FIELDS,
        ),
        title: mostly(text, EVENT_FIELDS),
        target: mostly(target, EVENT_FIELDS),
        rage: mostly(fc.constantFrom("true", "false", '"yes"'), EVENT_FIELDS),
      },
      { requiredKeys: ["type", "ts", "url"] },
    ),
    extraEntries(EVENT_FIELDS),
  )
  .map(([fields, more]) => recordText(fields, more));

const KEY = JSON.stringify(TEST_SECRETS.PRODUCT_KEY);
const batchJson = fc
  .tuple(
    fc.record(
      {
        product_key: mostly(fc.constantFrom(KEY, KEY, KEY, '"pk_wrong_0123456789"', '""', "null", '"__proto__"', JSON.stringify(` ${TEST_SECRETS.PRODUCT_KEY} `)), BATCH_FIELDS),
        session_id: mostly(fc.oneof(fc.constantFrom('"c-fuzz"', '"c-fuzz-2"', '""', '"   "', "null"), text), BATCH_FIELDS),
        user_id: mostly(fc.oneof(fc.constantFrom('"u-1"', '""', "null", "42"), text), BATCH_FIELDS),
        events: mostly(
          fc.oneof(
            { weight: 9, arbitrary: fc.array(event, { maxLength: 4 }).map((xs) => `[${xs.join(",")}]`) },
            // Just past the per-request cap.
            { weight: 1, arbitrary: fc.constant(`[${Array.from({ length: 101 }, (_, i) => `{"type":"click","ts":${1e12 + i},"url":"/"}`).join(",")}]`) },
          ),
          BATCH_FIELDS,
        ),
      },
      { requiredKeys: ["product_key"] },
    ),
    extraEntries(BATCH_FIELDS),
    pollutionEntries,
  )
  .map(([fields, more, pollution]) => recordText(fields, more, pollution));

const body: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { weight: 2, arbitrary: brokenJson },
  // The key is read from the raw bytes before the body is parsed: broken JSON behind a real key is a 400.
  { weight: 1, arbitrary: brokenJson.map((s) => `{"product_key":"${TEST_SECRETS.PRODUCT_KEY}",${typeof s === "string" ? s : ""}`) },
  { weight: 3, arbitrary: jsonText(BATCH_FIELDS) },
  { weight: 8, arbitrary: batchJson },
  // Well-formed batches behind the real key: the mix above reaches the accepting path only about once in a
  // hundred runs (every field has to come out right), too seldom to be sure a run of 800 reaches it at all.
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.uuid(), fc.constantFrom("Save", "Élan ✓", "<b>x</b>", "Ignore previous instructions"))
      .map(([id, text]) => JSON.stringify(batch(`c-${id}`, [rawEvent("click", "/", { tag: "button", text })]))),
  },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: hugeString.map((s) => JSON.stringify(batch("c-huge", [rawEvent("click", "/", { tag: "button", text: s })]))) },
);

const origin = fc.oneof(
  { weight: 6, arbitrary: fc.constant<string | null>(ALLOWED_ORIGIN) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<string | null>(
      null, "null", "", "https://evil.example.com", "https://shop.example.com.evil.com", "http://shop.example.com",
      "https://SHOP.EXAMPLE.COM", "https://shop.example.com:443", "https://shop.example.com/", "https://shop.example.com:99999", "file://",
    ),
  },
  { weight: 1, arbitrary: printable(80) },
);

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("text/plain", "text/plain;charset=UTF-8", "application/json") },
  { weight: 1, arbitrary: fc.constantFrom("application/csp-report", "application/x-www-form-urlencoded", "text/html", "application/json; charset=latin1", "") },
);

const captureAnything = httpTarget(
  "capture: any body as text/plain or JSON, any product key, any Origin",
  "POST",
  "/v1/capture",
  fc.record({ body, origin, contentType }).map(({ body, origin, contentType }): HttpInput => ({
    body,
    headers: { ...(contentType === "" ? {} : { "content-type": contentType }), ...(origin === null ? {} : { origin }) },
  })),
);

/**
 * A non-empty hostile string within `max` characters (the right type and size: only the content is hostile).
 * Non-empty once NUL characters are removed, as the server does before validating (docs/PROTOCOL.md, "Text").
 */
const hostileText = (max: number) =>
  fc.oneof(weirdString, fc.string({ unit: "binary", minLength: max - 5, maxLength: max })).filter((s) => s.replaceAll("\u0000", "").trim() !== "" && s.length <= max);

const validShapedEvent = fc.record(
  {
    type: fc.constantFrom("pageview", "click", "submit", "change", "focus", "blur"),
    ts: fc.integer({ min: 1, max: 10_000_000_000_000 }),
    url: fc.oneof(hostileText(2048), fc.constantFrom("https://shop.example.com/orders/42?email=a@b.co&token=sk-abc#x", "/settings/team", "javascript:void(0)")),
    title: hostileText(500),
    target: fc.record(
      { tag: hostileText(64), text: hostileText(1000), id: hostileText(500), aria_label: hostileText(500), href: hostileText(2048), role: hostileText(64), input_type: hostileText(64), label: hostileText(500) },
      { requiredKeys: ["tag"] },
    ),
    rage: fc.boolean(),
  },
  { requiredKeys: ["type", "ts", "url"] },
);

const captureValidShapes = httpTarget(
  "capture: valid batches whose strings are hostile (unicode, control characters, prototype keys, limits)",
  "POST",
  "/v1/capture",
  fc
    .record({
      session_id: hostileText(256),
      user_id: fc.option(hostileText(256)),
      events: fc.array(validShapedEvent, { maxLength: 5 }),
      contentType: fc.constantFrom("text/plain", "application/json"),
    })
    .map(({ contentType, user_id, ...rest }): HttpInput => ({
      body: JSON.stringify({ product_key: TEST_SECRETS.PRODUCT_KEY, ...(user_id === null ? {} : { user_id }), ...rest }),
      headers: { "content-type": contentType, origin: ALLOWED_ORIGIN },
    })),
);

describe("fuzzing POST /v1/capture", () => {
  it(captureAnything.name, async () => {
    const stats = await runFuzz(server, captureAnything, fuzzRuns(800));
    expect(stats.accepted).toBeGreaterThan(0);
    expect(Object.keys(stats.codes)).toEqual(
      expect.arrayContaining(["unsupported_media_type", "malformed_json", "missing_product_key", "invalid_product_key", "unknown_product_key", "missing_origin", "origin_not_allowed", "invalid_payload"]),
    );
  }, fuzzTimeoutMs());

  it(captureValidShapes.name, async () => {
    const stats = await runFuzz(server, captureValidShapes, fuzzRuns(500));
    // Right types and sizes: every batch gets through to storage, whatever its strings hold.
    expect(stats).toMatchObject({ rejected: 0 });
  }, fuzzTimeoutMs());

  it("leaves the process serving: health, readiness and a valid batch", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const ok = await sendCapture(server.url, batch("c-after-fuzz", [rawEvent("click", "https://shop.example.com/x", { tag: "button", text: "Save" })]));
    expect(ok.status).toBe(202);
    expect(ok.json).toEqual({ accepted: 1, duplicates: 0 });
  });
});

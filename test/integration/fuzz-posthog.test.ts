/**
 * Fuzzing `POST /v1/webhooks/posthog` (PROTOCOL.md §2.4): any body, hostile `elements_chain` strings
 * (escaped quotes, colons, semicolons, control characters, enormous chains), wrong secrets, hostile
 * `?product_id=`, low-signal events and batches. Rules as in test/helpers/fuzz.ts.
 */
import crypto from "node:crypto";
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
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";

const DELIVERY_FIELDS = ["event", "person", "properties", "email"];
const EVENT_FIELDS = ["uuid", "event", "distinct_id", "timestamp", "elements_chain", "properties"];
const PROPERTY_FIELDS = ["$session_id", "$current_url", "$pathname", "$host", "$event_type", "$el_text", "$elements_chain", "title", "$time"];

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { RATE_LIMIT_WEBHOOK_PER_MIN: "0", SUGGESTIONS_ENABLED: "false" } });
});
afterAll(async () => {
  await server.close();
});

// --- elements_chain: PostHog's `tag.class:key="value"…;parent…` with everything that can go wrong in it

const chainValue = fc.oneof(
  weirdString,
  fc.constantFrom('Say \\"hi\\"', "ends in \\", "a:b;c=d", 'k="v"', "\u0000\u0007\u001b[31m", "\\", '\\"', "x".repeat(3000)),
);
const chainKey = fc.constantFrom("text", "href", "attr_id", "attr__id", "attr__type", "attr__aria-label", "attr__role", "attr__onclick", "attr__value", "attr__name", "nth-child", "", "bad key", "a:b");
const chainElement = fc
  .record({
    tag: fc.constantFrom("button", "a", "svg", "path", "input", "label", "form", "div", "span", "", "__proto__", "BUTTON"),
    classes: fc.array(fc.constantFrom("btn", "hover:bg-blue-500", "md:px-4", "", "a;b", 'q"'), { maxLength: 3 }),
    attributes: fc.array(fc.tuple(chainKey, chainValue), { maxLength: 4 }),
    colon: fc.boolean(),
  })
  .map(({ tag, classes, attributes, colon }) => {
    const head = [tag, ...classes].join(".");
    const attrs = attributes.map(([k, v]) => `${k}="${v.replace(/"/g, '\\"')}"`).join("");
    return colon || attrs ? `${head}:${attrs}` : head;
  });
const chain: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.array(chainElement, { maxLength: 6 }).map((els) => els.join(";")) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(":", ";", '"', "\\", "=", ".", "a", "\u0000", " "), maxLength: 300 }) },
  // Enormous: past the 100 000-character cap, as colons (once quadratic to parse), elements, or quotes.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(":", "a:", 'div:text="x";', '\\"', ";"), fc.integer({ min: 50_000, max: 120_000 }))
      .map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length))),
  },
);

// --- events and deliveries

const v7 = fc.uuid({ version: 7 });
const event = fc
  .tuple(
    fc.record(
      {
        uuid: mostly(fc.oneof(fc.uuid().map((u) => JSON.stringify(u)), v7.map((u) => JSON.stringify(u)), jsonString), EVENT_FIELDS),
        event: mostly(
          fc.constantFrom('"$pageview"', '"$autocapture"', '"$autocapture"', '"$rageclick"', '"$pageleave"', '"$identify"', '"signed up"', '""', '"$AUTOCAPTURE"', JSON.stringify("e".repeat(401))),
          EVENT_FIELDS,
        ),
        distinct_id: mostly(fc.oneof(fc.constantFrom('"user-1"', "42", '""', "null", '"__proto__"'), jsonString), EVENT_FIELDS),
        timestamp: mostly(
          fc.oneof(fc.constantFrom('"2026-11-24T12:00:00Z"', '"not a date"', '"+275760-09-13T00:00:00.000Z"', "1e20", "1e-5", "-1", "1764000000", "1764000000000"), numberText),
          EVENT_FIELDS,
        ),
        elements_chain: mostly(chain.map((c) => JSON.stringify(c)), EVENT_FIELDS),
        properties: mostly(
          fc
            .tuple(
              fc.record(
                {
                  $session_id: mostly(fc.oneof(fc.constantFrom('"ph-s-1"', '"ph-s-2"', '""'), jsonString), PROPERTY_FIELDS),
                  $current_url: mostly(fc.oneof(fc.constantFrom('"https://app.example.com/settings/team?x=1"', '"/"', '"http://[::1"'), jsonString), PROPERTY_FIELDS),
                  $pathname: mostly(jsonString, PROPERTY_FIELDS),
                  $host: mostly(jsonString, PROPERTY_FIELDS),
                  $event_type: mostly(fc.constantFrom('"click"', '"change"', '"submit"', '"scroll"', '""'), PROPERTY_FIELDS),
                  $el_text: mostly(jsonString, PROPERTY_FIELDS),
                  $elements_chain: mostly(chain.map((c) => JSON.stringify(c)), PROPERTY_FIELDS),
                  title: mostly(jsonString, PROPERTY_FIELDS),
                  $time: mostly(numberText, PROPERTY_FIELDS),
                },
                { requiredKeys: [] },
              ),
              extraEntries(PROPERTY_FIELDS),
            )
            .map(([fields, more]) => recordText(fields, more)),
          EVENT_FIELDS,
        ),
      },
      { requiredKeys: ["event"] },
    ),
    extraEntries(EVENT_FIELDS),
    pollutionEntries,
  )
  .map(([fields, more, pollution]) => recordText(fields, more, pollution));

const person = mostly(fc.oneof(jsonString, fc.constant('{"properties":{"email":"ada@example.com"}}')).map((e) => (e.startsWith("{") ? e : `{"properties":{"email":${e}}}`)), DELIVERY_FIELDS);
const delivery = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(event, fc.option(person)).map(([e, p]) => (p === null ? `{"event":${e}}` : `{"event":${e},"person":${p}}`)) },
  { weight: 1, arbitrary: event },
);
const deliveries = fc.oneof(
  { weight: 3, arbitrary: delivery },
  { weight: 1, arbitrary: fc.array(delivery, { maxLength: 4 }).map((xs) => `[${xs.join(",")}]`) },
);

const body: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { weight: 2, arbitrary: brokenJson },
  { weight: 2, arbitrary: jsonText(DELIVERY_FIELDS) },
  { weight: 10, arbitrary: deliveries },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: hugeString.map((s) => JSON.stringify({ event: { event: "$autocapture", distinct_id: "u", properties: { $el_text: s } } })) },
);

type Secret = "secret" | "padded" | "hmac" | "wrong" | "wrong-hmac" | "none" | "junk";
function secretHeader(kind: Secret, raw: string | Uint8Array, junk: string): Record<string, string> {
  const hmac = (secret: string) => `sha256=${crypto.createHmac("sha256", secret).update(raw).digest("hex")}`;
  const value: Record<Secret, string | undefined> = {
    secret: TEST_SECRETS.POSTHOG_SECRET,
    padded: `  ${TEST_SECRETS.POSTHOG_SECRET}\t`,
    hmac: hmac(TEST_SECRETS.POSTHOG_SECRET),
    wrong: "not-the-posthog-secret-0123",
    "wrong-hmac": hmac("not-the-posthog-secret-0123"),
    none: undefined,
    junk,
  };
  return value[kind] === undefined ? {} : { "x-posthog-secret": value[kind] };
}

const query = fc.oneof(
  { weight: 6, arbitrary: fc.constant("") },
  { weight: 2, arbitrary: fc.constantFrom("?product_id=demo", "?product_id=nope", "?product_id=__proto__", "?product_id=", "?product_id=demo&product_id=x", "?product_id=%ZZ", "?product_id[a]=1", "?x=1") },
  { weight: 1, arbitrary: printable(80).map((s) => `?product_id=${encodeURIComponent(s)}`) },
);

const posthogAnything = httpTarget(
  "PostHog: any body, any secret, any product, hostile elements_chain",
  "POST",
  "/v1/webhooks/posthog",
  fc
    .record({
      body,
      query,
      secret: fc.constantFrom<Secret>("secret", "secret", "secret", "padded", "hmac", "hmac", "wrong", "wrong-hmac", "none", "junk"),
      junk: printable(120),
      contentType: fc.oneof({ weight: 9, arbitrary: fc.constant("application/json") }, { weight: 1, arbitrary: fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "") }),
    })
    .map(({ body, query, secret, junk, contentType }): HttpInput => ({
      body,
      path: `/v1/webhooks/posthog${query}`,
      headers: { ...(contentType ? { "content-type": contentType } : {}), ...secretHeader(secret, body, junk) },
    })),
);

describe("fuzzing POST /v1/webhooks/posthog", () => {
  it(posthogAnything.name, async () => {
    const stats = await runFuzz(server, posthogAnything, fuzzRuns(1000));
    expect(stats.accepted).toBeGreaterThan(0);
    expect(Object.keys(stats.codes)).toEqual(
      expect.arrayContaining(["unsupported_media_type", "malformed_json", "missing_secret", "bad_secret", "unknown_product", "invalid_payload"]),
    );
  }, fuzzTimeoutMs());

  it("leaves the process serving: health, readiness and a valid delivery", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const res = await fetch(`${server.url}/v1/webhooks/posthog`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-posthog-secret": TEST_SECRETS.POSTHOG_SECRET },
      body: JSON.stringify({ event: { uuid: crypto.randomUUID(), event: "$pageview", distinct_id: "u-after", properties: { $session_id: "ph-after-fuzz", $current_url: "https://app.example.com/" } } }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, dropped: 0 });
  });
});

/**
 * Fuzzing `GET /v1/stream/:productId` (PROTOCOL.md §3.1): hostile product ids, bearer tokens, Last-Event-ID
 * headers and query values, session filters. Every answer is a 4xx with our error shape or a stream, which
 * the target closes right after its headers; no 5xx, nothing stored, and every closed stream is forgotten.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzRuns, fuzzTimeoutMs, httpTarget, printable, runFuzz, weirdString, type HttpInput } from "../helpers/fuzz.js";
import { pushEvent } from "../helpers/signing.js";
import { subscribe } from "../helpers/sse-client.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { SUGGESTIONS_ENABLED: "false" } });
  // Something to replay: a resumed stream reads these from the event log.
  for (const sid of ["st-1", "st-2", "st-1"]) {
    const actions = [{ title: `t-${Math.random()}`, description: "d", canonical_url: "/" }];
    expect((await pushEvent(server.url, { type: "actions", session_id: sid, actions })).status).toBe(202);
  }
});
afterAll(async () => {
  await server.close();
});

const product = fc.oneof(
  { weight: 8, arbitrary: fc.constant("demo") },
  { weight: 2, arbitrary: fc.constantFrom("nope", "__proto__", "constructor", "DEMO", "demo%00", "%ZZ", "%E0%A4%A", "demo%2F..", "x".repeat(5000), "demo/extra") },
  // Lone surrogates cannot be percent-encoded (encodeURIComponent throws): those are left out.
  { weight: 1, arbitrary: weirdString.filter((s) => s !== "" && !/[\uD800-\uDFFF]/.test(s)).map((s) => encodeURIComponent(s)) },
);

const authorization = fc.oneof(
  { weight: 8, arbitrary: fc.constant<string | null>(`Bearer ${TEST_SECRETS.STREAM_TOKEN}`) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<string | null>(
      null, "", "Bearer", "Bearer ", "Bearer wrong-token", `bearer ${TEST_SECRETS.STREAM_TOKEN}`, `Bearer  ${TEST_SECRETS.STREAM_TOKEN} `,
      `Basic ${Buffer.from(`x:${TEST_SECRETS.STREAM_TOKEN}`).toString("base64")}`, `Bearer ${TEST_SECRETS.ADMIN_TOKEN}`, `Bearer ${TEST_SECRETS.STREAM_TOKEN}x`,
    ),
  },
  { weight: 1, arbitrary: printable(200).map((s) => `Bearer ${s}`) },
);

/** Event ids as a client could send them: real ones, the future, and anything else. */
const eventId = fc.oneof(
  fc.nat(5).map(String),
  fc.constantFrom("0", "999999999", "999999999999999", "9999999999999999", "-1", "1e3", "1.5", " 2 ", "0x10", "abc", "", "NaN", "Infinity", "²"),
  printable(40),
);

const query = fc
  .record(
    {
      session_id: fc.oneof(fc.constantFrom("st-1", "st-2", "nobody", "", " ", "x".repeat(257)), weirdString),
      last_event_id: eventId,
      repeat: fc.constantFrom("session_id", "last_event_id"),
    },
    { requiredKeys: [] },
  )
  .map(({ repeat, ...q }) => {
    const params = new URLSearchParams(Object.entries(q) as [string, string][]);
    // Now and then a key twice, which the query parser turns into an array.
    if (repeat !== undefined && q[repeat] !== undefined) params.append(repeat, "1");
    const text = params.toString();
    return text ? `?${text}` : "";
  });

const streamAnything = httpTarget(
  "outbound stream: any product, token, Last-Event-ID and query",
  "GET",
  "/v1/stream/demo",
  fc
    .record({ product, authorization, lastEventId: fc.option(eventId, { freq: 2 }), query, rawQuery: fc.option(fc.constantFrom("?session_id=%ZZ", "?last_event_id=%", "?&&=&", "?session_id[a]=1"), { freq: 8 }) })
    .map(({ product, authorization, lastEventId, query, rawQuery }): HttpInput => ({
      path: `/v1/stream/${product}${rawQuery ?? query}`,
      headers: {
        accept: "text/event-stream",
        ...(authorization === null ? {} : { authorization }),
        ...(lastEventId === null ? {} : { "last-event-id": lastEventId }),
      },
    })),
  { stream: true },
);

describe("fuzzing GET /v1/stream/:productId", () => {
  it(streamAnything.name, async () => {
    const stats = await runFuzz(server, streamAnything, fuzzRuns(800));
    expect(stats.accepted).toBeGreaterThan(0);
    expect(Object.keys(stats.codes)).toEqual(expect.arrayContaining(["unknown_product", "missing_token", "bad_token", "invalid_payload", "invalid_last_event_id"]));
    // Every stream the target closed is gone from the hub: no leaked subscribers.
    await waitFor(() => server.app.services.streams.stats().subscribers === 0, () => `subscribers to drop to 0 (now ${server.app.services.streams.stats().subscribers})`);
  }, fuzzTimeoutMs());

  it("leaves the process serving: health, and a stream that replays and then goes live", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const stream = subscribe(`${server.url}/v1/stream/demo`, { lastEventId: 0 });
    try {
      expect((await stream.untilEvents(3)).map((e) => e.id)).toEqual([1, 2, 3]);
      const actions = [{ title: "after the fuzz", description: "d", canonical_url: "/" }];
      expect((await pushEvent(server.url, { type: "actions", session_id: "st-after", actions })).status).toBe(202);
      expect((await stream.untilEvents(4)).at(-1)).toMatchObject({ id: 4, data: { session_id: "st-after" } });
    } finally {
      stream.close();
    }
  });
});

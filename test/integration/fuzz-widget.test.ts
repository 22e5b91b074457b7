/**
 * Fuzzing the widget's Socket.IO namespace `/widget` (PROTOCOL.md §3.2) with a real socket.io-client:
 * hostile handshake `auth` objects and Origins, then every command on a connected socket with arbitrary
 * arguments — non-objects, wrong types, huge strings, prototype keys, no ack callback, unknown event names.
 * Rules (test/helpers/fuzz.ts, socket-fuzz.ts): every handshake is accepted or refused with a code, every
 * ack is `{ok:true,data}` or `{ok:false,error:{code,message}}`, bad payloads never cost the connection,
 * rejected input stores nothing, and afterwards the process serves and a valid command works.
 */
import fc from "fast-check";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "../helpers/db-counts.js";
import { fuzzRuns, fuzzTimeoutMs, hugeString, printable, runFuzz, weirdString } from "../helpers/fuzz.js";
import { ALLOWED_ORIGIN } from "../helpers/capture.js";
import { commandTarget, handshakeTarget, socketEventCounts, type CommandFuzzInput, type HandshakeFuzzInput } from "../helpers/socket-fuzz.js";
import { pushActions, recordDecisions } from "../helpers/suggestions.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";
import { command, connectWidget, expectOk, recorder, userHash, type WidgetClient } from "../helpers/widget-client.js";

let server: TestServer;
/** The socket every command is sent on, and the suggestion shown in its conversation. */
let socket: WidgetClient;
let suggestionId: number;
/** A suggestion in another session's conversation: feedback on it from `socket` must be refused. */
let foreignSuggestionId: number;
/** A conversation that handshakes may try to resume, with its real token. */
let resumable: { conversationId: string; conversationToken: string };

async function deliverSuggestion(sessionId: string): Promise<number> {
  const decisions = recordDecisions(server.suggestions);
  await pushActions(server.url, sessionId, [{ url: "/invoices" }, { url: "/invoices/new" }]);
  const ref = (await server.repos.sessions.idByKey(server.instance.defaultProduct.id, sessionId))!;
  await server.suggestions.evaluateNow(ref);
  const decision = await decisions.next({ sessionId });
  expect(decision).toMatchObject({ outcome: "delivered" });
  return decision.suggestionId!;
}

beforeAll(async () => {
  // No handshake rate limit (thousands of connections from one address) and no background suggestions
  // (row counts must move only with the input under test); suggestions are made on demand below.
  // Limits off: the fuzzing is of the handlers behind them (the limits have their own tests).
  server = await startTestServer({
    env: { RATE_LIMIT_PUBLIC_PER_MIN: "0", WIDGET_COMMANDS_PER_MIN: "0", WIDGET_CONVERSATION_COMMANDS_PER_MIN: "0", CHAT_MESSAGES_PER_MIN: "0", SUGGESTIONS_ENABLED: "false", ALLOWED_ORIGINS: ALLOWED_ORIGIN },
  });
  const owner = await connectWidget(server.url, { sessionId: "w-owner" }, { origin: ALLOWED_ORIGIN });
  const linked = recorder(owner, "conversation:linked");
  expectOk(await command(owner, "message:send", { clientMessageId: "hello", text: "Hello" }));
  resumable = await linked.until();
  owner.close();
  await server.app.services.chat.drain();

  socket = await connectWidget(server.url, { sessionId: "w-fuzz" }, { origin: ALLOWED_ORIGIN });
  suggestionId = await deliverSuggestion("w-fuzz");
  foreignSuggestionId = await deliverSuggestion("w-other");
});
afterAll(async () => {
  socket?.close();
  await server.close();
});

// --- handshakes

/** A value of any JSON type, hostile strings included, sized to stay under the socket payload limit. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  weirdString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(weirdString, { maxLength: 3 }),
  fc.dictionary(weirdString, weirdString, { maxKeys: 3 }),
  fc.constantFrom("x".repeat(129), "x".repeat(257), "x".repeat(5000), "   ", " pad "),
);
const mostlyRight = <T>(right: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 9, arbitrary: right }, { weight: 1, arbitrary: anyValue });

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
type Identity = "none" | "verified" | "verified-upper" | "no-hash" | "wrong-hash" | "hash-only" | "junk";
type Resume = "none" | "real" | "wrong-token" | "other-id" | "id-only" | "token-only";

/** Own enumerable properties, `__proto__` included (an object literal would set the prototype instead). */
function ownObject(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

const handshakeInputs: fc.Arbitrary<HandshakeFuzzInput> = fc
  .record({
    productKey: fc.option(
      mostlyRight(fc.oneof({ weight: 6, arbitrary: fc.constant(TEST_SECRETS.PRODUCT_KEY) }, { weight: 1, arbitrary: fc.constantFrom(` ${TEST_SECRETS.PRODUCT_KEY} `, "pk_wrong_0123456789", "") })),
      { freq: 20 },
    ),
    sessionId: fc.option(mostlyRight(fc.oneof({ weight: 3, arbitrary: fc.nat(50).map((n) => `w-hs-${n}`) }, { weight: 1, arbitrary: weirdString })), { freq: 20 }),
    identity: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom<Identity>("none", "verified", "verified-upper") },
      { weight: 3, arbitrary: fc.constantFrom<Identity>("no-hash", "wrong-hash", "hash-only", "junk") },
    ),
    userId: fc.oneof(fc.constantFrom("user-1", "user-2"), weirdString.filter((s) => s.trim() !== "")),
    wrongHash: hex64,
    resume: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom<Resume>("none", "none", "real") },
      { weight: 2, arbitrary: fc.constantFrom<Resume>("wrong-token", "other-id", "id-only", "token-only") },
    ),
    extras: fc.array(fc.tuple(fc.oneof(fc.constantFrom("__proto__", "constructor", "prototype", "toString"), weirdString), anyValue), { maxLength: 3 }),
    origin: fc.oneof(
      { weight: 6, arbitrary: fc.constant<string | null>(ALLOWED_ORIGIN) },
      { weight: 2, arbitrary: fc.constantFrom<string | null>(null, "null", "", "https://evil.example.com", "https://shop.example.com.evil.com", "http://shop.example.com") },
      { weight: 1, arbitrary: printable(60) },
    ),
  })
  .map(({ productKey, sessionId, identity, userId, wrongHash, resume, extras, origin }): HandshakeFuzzInput => {
    const entries: [string, unknown][] = [];
    if (productKey !== null) entries.push(["productKey", productKey]);
    if (sessionId !== null) entries.push(["sessionId", sessionId]);
    const hash = userHash(userId.trim());
    const identityEntries: Record<Identity, [string, unknown][]> = {
      none: [],
      verified: [["userId", userId], ["userHash", hash]],
      "verified-upper": [["userId", userId], ["userHash", hash.toUpperCase()]],
      "no-hash": [["userId", userId]],
      "wrong-hash": [["userId", userId], ["userHash", wrongHash]],
      "hash-only": [["userHash", hash]],
      junk: [["userId", userId], ["userHash", `${hash}zz`]],
    };
    const resumeEntries: Record<Resume, [string, unknown][]> = {
      none: [],
      real: [["conversationId", resumable.conversationId], ["conversationToken", resumable.conversationToken]],
      "wrong-token": [["conversationId", resumable.conversationId], ["conversationToken", `${resumable.conversationToken}x`]],
      "other-id": [["conversationId", "cv_notarealone"], ["conversationToken", resumable.conversationToken]],
      "id-only": [["conversationId", resumable.conversationId]],
      "token-only": [["conversationToken", resumable.conversationToken]],
    };
    entries.push(...identityEntries[identity], ...resumeEntries[resume], ...extras);
    return { auth: ownObject(entries), origin };
  });

const handshakes = handshakeTarget("widget handshake: hostile auth objects and Origins", handshakeInputs);

// --- commands

const COMMANDS = ["message:send", "suggestion:feedback", "conversation:sync", "typing"] as const;

/** Values that are not what any command wants: non-objects, binary, nested junk, big strings under the payload limit. */
const junkPayload: fc.Arbitrary<unknown> = fc.oneof(
  anyValue,
  fc.uint8Array({ maxLength: 64 }),
  fc.anything({ maxDepth: 3, key: fc.oneof(fc.constantFrom("__proto__", "constructor", "text", "afterSeq", "active"), weirdString), withNullPrototype: true, withTypedArray: true, withSparseArray: true }),
  hugeString.filter((s) => Buffer.byteLength(s) < 48_000),
);

/** Usually a valid value, sometimes one just outside what the schema allows. */
const validOrEdge = <T>(valid: fc.Arbitrary<T>, edge: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: edge });

const payloads: Record<(typeof COMMANDS)[number], fc.Arbitrary<unknown>> = {
  "message:send": fc.record(
    {
      clientMessageId: mostlyRight(validOrEdge(fc.nat(30).map((n) => `c-${n}`), fc.oneof(weirdString, fc.constant("x".repeat(101))))),
      text: mostlyRight(validOrEdge(fc.oneof(weirdString, fc.constantFrom("a".repeat(4000), `  ${"b".repeat(4000)}  `, "Where is the export button?")), fc.constantFrom("", "   ", "a".repeat(4001)))),
    },
    { requiredKeys: ["clientMessageId", "text"] },
  ),
  "suggestion:feedback": fc.record(
    {
      suggestionId: mostlyRight(
        validOrEdge(fc.constantFrom(() => suggestionId, () => foreignSuggestionId).map((f) => f()), fc.oneof(fc.constantFrom(0, -1, 1.5, 2 ** 53, 999_999), fc.integer())),
      ),
      verdict: mostlyRight(validOrEdge(fc.constantFrom("accepted", "dismissed"), fc.constantFrom("ignored", "ACCEPTED", ""))),
    },
    { requiredKeys: ["suggestionId", "verdict"] },
  ),
  "conversation:sync": fc.record(
    { afterSeq: mostlyRight(validOrEdge(fc.nat(10), fc.constantFrom(-1, 0.5, 2 ** 53, 1e300))), limit: mostlyRight(validOrEdge(fc.constantFrom(1, 2, 500), fc.constantFrom(0, 501, 2.5, -3))) },
    { requiredKeys: ["afterSeq"] },
  ),
  typing: fc.record({ active: mostlyRight(fc.boolean()) }),
};

const commandInputs: fc.Arbitrary<CommandFuzzInput> = fc
  .record({
    event: fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...COMMANDS) },
      // Outside the contract; "error" once crashed socket.io servers that had no listener for it.
      { weight: 1, arbitrary: fc.oneof(fc.constantFrom("error", "message", "message:delete", "__proto__", "constructor", "toString", ""), printable(30)) },
    ),
    payload: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: junkPayload }),
    arity: fc.oneof({ weight: 8, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constantFrom(0, 2) }),
    extra: anyValue,
    withAck: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  })
  .chain(({ event, payload, arity, extra, withAck }) => {
    const command = (COMMANDS as readonly string[]).includes(event) ? (event as (typeof COMMANDS)[number]) : undefined;
    const right = command ? payloads[command] : junkPayload;
    return (payload === null ? right : fc.constant(payload)).map((p): CommandFuzzInput => ({ event, args: [p, extra].slice(0, arity), withAck }));
  });

const commands = commandTarget("widget commands: arbitrary arguments, with and without an ack", () => socket, commandInputs);

describe("fuzzing the widget namespace", () => {
  it(handshakes.name, async () => {
    const stats = await runFuzz(server, handshakes, fuzzRuns(400));
    expect(stats.accepted).toBeGreaterThan(0);
    expect(Object.keys(stats.codes)).toEqual(
      expect.arrayContaining(["invalid_auth", "invalid_product_key", "origin_not_allowed", "identity_required", "invalid_user_hash", "invalid_conversation_token"]),
    );
  }, fuzzTimeoutMs());

  it(commands.name, async () => {
    const stats = await runFuzz(server, commands, fuzzRuns(1000));
    expect(stats.accepted).toBeGreaterThan(0);
    expect(Object.keys(stats.codes)).toEqual(expect.arrayContaining(["invalid_payload", "unknown_suggestion", "unknown_event"]));
    expect(socket.connected).toBe(true);
    if (process.env.FUZZ_VERBOSE) console.log(Object.fromEntries(await socketEventCounts(server)));
  }, fuzzTimeoutMs());

  it("drops, at the transport, a handshake whose auth is not an object or is over SOCKET_MAX_PAYLOAD_BYTES: nothing stored", async () => {
    const before = await rowCounts(server.sql);
    const oversized = { productKey: TEST_SECRETS.PRODUCT_KEY, sessionId: "x".repeat(100_000) };
    for (const auth of ["a string", [1, 2], oversized]) {
      const socket = io(`${server.url}/widget`, { transports: ["websocket"], forceNew: true, reconnection: false, auth: auth as object, extraHeaders: { origin: ALLOWED_ORIGIN } });
      try {
        // Socket.IO's parser refuses a CONNECT packet without an object, and the transport one over the size
        // limit: the connection closes without a connect or connect_error.
        const reason = await new Promise<string>((resolve, reject) => {
          socket.once("connect", () => reject(new Error("connected")));
          socket.io.once("close", resolve);
        });
        expect(reason).toBe("transport close");
      } finally {
        socket.close();
      }
    }
    expect(await rowCounts(server.sql)).toEqual(before);
  });

  it("closes only the connection that sends a packet over SOCKET_MAX_PAYLOAD_BYTES; the other sockets keep working", async () => {
    const victim = await connectWidget(server.url, { sessionId: "w-oversized" }, { origin: ALLOWED_ORIGIN });
    const before = await rowCounts(server.sql);
    const closed = new Promise<string>((resolve) => victim.once("disconnect", resolve));
    victim.emit("message:send", { clientMessageId: "big", text: "x".repeat(70 * 1024) }, () => undefined);
    expect(await closed).toBe("transport close");
    expect(await rowCounts(server.sql)).toEqual(before);
    expect(expectOk(await command(socket, "conversation:sync", { afterSeq: 0, limit: 1 })).messages).toHaveLength(1);
  });

  it("leaves the process serving: health, a new handshake, and a valid command on the fuzzed socket", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const fresh = await connectWidget(server.url, { sessionId: "w-after-fuzz" }, { origin: ALLOWED_ORIGIN });
    fresh.close();
    const before = (await rowCounts(server.sql)).messages!;
    const sent = expectOk(await command(socket, "message:send", { clientMessageId: "after-fuzz", text: "Still there?" }));
    expect(sent.seq).toBeGreaterThan(0);
    await server.app.services.chat.drain();
    // The message and its reply.
    expect((await rowCounts(server.sql)).messages).toBe(before + 2);
  });

  it("counts only the fuzzed socket as connected once every handshake's client has gone", async () => {
    await waitFor(async () => (await server.app.services.metrics.socketConnections.get()).values[0]?.value === 1, "pilotlight_socket_connections to settle at 1");
  });
});

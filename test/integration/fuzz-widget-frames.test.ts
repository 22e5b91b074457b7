/**
 * Fuzzing the widget's wire protocol below socket.io-client: raw Engine.IO/Socket.IO frames on a plain
 * WebSocket after a valid `/widget` handshake — broken JSON, packet types a client never sends, binary
 * placeholders without attachments, second CONNECTs, unknown namespaces, junk and binary frames. Either the
 * connection survives and answers a probe command, or Socket.IO closes that one connection; no crash, nothing
 * stored, and the other sockets keep working (test/helpers/raw-socket-fuzz.ts).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALLOWED_ORIGIN } from "../helpers/capture.js";
import { fuzzRuns, fuzzTimeoutMs, jsonText, printable, runFuzz } from "../helpers/fuzz.js";
import { rawFrameTarget, type RawFramesInput } from "../helpers/raw-socket-fuzz.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";
import { command, connectWidget, expectOk, type WidgetClient } from "../helpers/widget-client.js";

let server: TestServer;
/** A bystander: it must not notice any of this. */
let bystander: WidgetClient;

beforeAll(async () => {
  // Limits off (every run is one more connection of one conversation): the fuzzing is of the protocol behind them.
  server = await startTestServer({
    env: { RATE_LIMIT_PUBLIC_PER_MIN: "0", WIDGET_COMMANDS_PER_MIN: "0", WIDGET_CONVERSATION_COMMANDS_PER_MIN: "0", SUGGESTIONS_ENABLED: "false", ALLOWED_ORIGINS: ALLOWED_ORIGIN },
  });
  bystander = await connectWidget(server.url, { sessionId: "w-bystander" }, { origin: ALLOWED_ORIGIN });
  // The target's session, with its gate row: its handshakes and typing then store nothing new.
  const raw = await connectWidget(server.url, { sessionId: "w-raw" }, { origin: ALLOWED_ORIGIN });
  expectOk(await command(raw, "typing", { active: false }));
  raw.close();
});
afterAll(async () => {
  bystander?.close();
  await server.close();
});

/**
 * Socket.IO packets for /widget as text, well-formed or not; none that stores something (message:send is left
 * out), and no DISCONNECT (`41/widget,`): after the client leaves the namespace, nothing is left to answer the probe.
 */
const socketIoPacket: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '42/widget,["typing",{"active":true}]',
    '42/widget,7["typing",{"active":"yes"}]',
    '42/widget,8["conversation:sync",{"afterSeq":-1}]',
    '42/widget,9["suggestion:feedback",{"suggestionId":424242,"verdict":"accepted"}]',
    '42/widget,10["message:send"]',
    '42/widget,["typing"',
    "42/widget,{}",
    "42/widget,[]",
    "42/widget,[1,2]",
    '42/widget,["error",{}]',
    '42/widget,["__proto__",{"polluted":1}]',
    '42/widget,11["disconnect"]',
    "43/widget,1[]",
    '451-/widget,["typing",{"_placeholder":true,"num":0}]',
    '4599999999-/widget,["typing",{"_placeholder":true,"num":0}]',
    '40/widget,{"productKey":"x"}',
    '40/nope,{}',
    "44/widget,{}",
    "49/widget,[]",
    '42["typing",{"active":true}]',
  ),
  fc.tuple(fc.constantFrom("42/widget,", "42/widget,12", "4", "40/widget,"), jsonText(["typing", "active", "afterSeq", "suggestionId", "_placeholder", "num"], 3)).map(([p, j]) => p + j),
);

/** Engine.IO frames: packet types that make no sense from a client, junk text, binary, empty frames. */
const rawFrame: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { weight: 6, arbitrary: socketIoPacket },
  { weight: 1, arbitrary: fc.constantFrom("", "0", "1", "2", "3", "5", "6", "7", "9", "2probe", "4") },
  { weight: 1, arbitrary: printable(100) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
);

const rawFrames = rawFrameTarget(
  "widget protocol: raw Engine.IO/Socket.IO frames after a valid handshake",
  fc.array(rawFrame, { minLength: 1, maxLength: 3 }).map((frames): RawFramesInput => ({ frames })),
  { auth: { productKey: TEST_SECRETS.PRODUCT_KEY, sessionId: "w-raw" }, origin: ALLOWED_ORIGIN },
);

describe("fuzzing the widget wire protocol", () => {
  it(rawFrames.name, async () => {
    const stats = await runFuzz(server, rawFrames, fuzzRuns(1000));
    // Frames the server can ignore or answer keep the connection; protocol violations cost only that one.
    expect(stats.accepted).toBeGreaterThan(0);
    expect(stats.codes.closed ?? 0).toBeGreaterThan(0);
  }, fuzzTimeoutMs());

  it("leaves the process serving and the bystander connected, and forgets every fuzzed connection", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(bystander.connected).toBe(true);
    expectOk(await command(bystander, "typing", { active: true }));
    await waitFor(async () => (await server.app.services.metrics.socketConnections.get()).values[0]?.value === 1, "pilotlight_socket_connections to settle at 1");
  });
});

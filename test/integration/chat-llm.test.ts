/**
 * Chat replies streamed from the LLM (the real openai SDK against the local fake server), many of them:
 * nothing accumulates per reply. The SDK ties every request to the signal it is given and never lets go of
 * it, so a reply must not hand it a signal that lives as long as the app (found by the soak).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { ask, connectWidget } from "../helpers/widget-client.js";

let fake: FakeOpenAI;
let server: TestServer;
const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);
beforeAll(async () => {
  process.on("warning", onWarning);
  fake = await startFakeOpenAI({ default: { kind: "reply", text: "Open Settings, then Team." } });
  server = await startTestServer({ env: { OPENAI_BASE_URL: fake.url, SUGGESTIONS_ENABLED: "false", CHAT_MESSAGES_PER_MIN: "0", CHAT_MODEL_CALLS_PER_HOUR: "0" } });
});
afterAll(async () => {
  process.off("warning", onWarning);
  await server.close();
  await fake.close();
});

describe("chat replies from the LLM", () => {
  it("streams 15 replies in a row without piling listeners on a long-lived abort signal", async () => {
    const socket = await connectWidget(server.url, { sessionId: "llm-many" });
    for (let i = 0; i < 15; i++) {
      const { reply } = await ask(socket, `question ${i}`);
      expect(reply.text).toBe("Open Settings, then Team.");
    }
    expect(fake.requests.filter((r) => r.body.stream)).toHaveLength(15);
    // Emitted on the next tick after the 11th listener, if any.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning").map((w) => w.message)).toEqual([]);
    socket.close();
  });
});

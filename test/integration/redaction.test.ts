import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai.js";
import { adminHeaders, pushEvent } from "../helpers/signing.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { command, connectWidget, expectOk, recorder } from "../helpers/widget-client.js";

const EMAIL = "dana.smith@example.com";
const CARD = "4242 4242 4242 4242";
const PHONE = "+44 20 7946 0958";

let server: TestServer;
let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ default: { kind: "reply", text: "NO_SUGGESTION" } });
  server = await startTestServer({ env: { OPENAI_BASE_URL: fake.url, LLM_MAX_RETRIES: "0", SUGGEST_DEBOUNCE_MS: "0", SUGGEST_MAX_WAIT_MS: "0" } });
});
afterAll(async () => {
  await server.close();
  await fake.close();
});

const leaky = (session: string) => ({
  type: "actions",
  session_id: session,
  email: EMAIL,
  actions: [
    {
      type: "type",
      title: `Type in 'Card ${CARD}' field`,
      description: `User typed ${EMAIL}, the card ${CARD} and called ${PHONE}`,
      canonical_url: "https://app.example.com/settings/billing?token=sk_live_abcdef1234567890&tab=card",
      timestamp_start: 10,
    },
  ],
});

function everythingSent(): string {
  return JSON.stringify(fake.requests.map((r) => r.body.messages));
}

describe("PII never reaches the LLM", () => {
  it("redacts action text and URLs in suggestion prompts", async () => {
    const before = fake.requests.length;
    await pushEvent(server.url, leaky("pii-suggest"));
    await fake.waitForRequests(before + 1);
    const sent = everythingSent();
    for (const secret of [EMAIL, CARD, PHONE, "sk_live_abcdef1234567890"]) expect(sent).not.toContain(secret);
    expect(sent).toContain("[email]");
    expect(sent).toContain("[card]");
    expect(sent).toContain("token=[redacted]");
  });

  it("redacts what the user writes in the chat", async () => {
    const socket = await connectWidget(server.url, { sessionId: "pii-chat" });
    const created = recorder(socket, "message:created");
    fake.enqueue({ kind: "reply", text: "Thanks, noted." });
    const sent = expectOk(await command(socket, "message:send", { clientMessageId: "p1", text: `Please email ${EMAIL}, card ${CARD}` }));
    await created.until((m) => m.role === "assistant" && m.seq > sent.seq);
    const chatRequest = fake.requests.at(-1)!;
    expect(JSON.stringify(chatRequest.body.messages)).not.toContain(EMAIL);
    expect(chatRequest.body.messages!.at(-1)!.content).toBe("Please email [email], card [card]");
    // The conversation itself keeps what the user wrote: redaction is for the model only.
    expect(created.seen.find((m) => m.role === "user")!.text).toContain(EMAIL);
    socket.close();
  });

  it("shows the redacted prompt and its redaction counts in the admin context", async () => {
    await pushEvent(server.url, leaky("pii-admin"));
    const res = await fetch(`${server.url}/v1/sessions/pii-admin/context`, { headers: adminHeaders });
    const body = (await res.json()) as { prompt: { messages: { content: string }[]; redactions: Record<string, number> } };
    const text = JSON.stringify(body.prompt.messages);
    expect(text).not.toContain(EMAIL);
    expect(text).toContain("[phone]");
    expect(body.prompt.redactions).toMatchObject({ email: 1, card: 1, phone: 1, secret_param: 1 });
  });
});

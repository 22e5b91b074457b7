/**
 * For a test file whose tests each start the app against the fake OpenAI server: `start(env)` starts both (the
 * fake answering `script` by default, the app with `baseEnv` and then `env`), and both are closed after each test.
 */
import { afterEach } from "vitest";
import { startFakeOpenAI, type FakeOpenAI, type ScriptSource } from "./fake-openai.js";
import { startTestServer, type TestServer } from "./test-server.js";

export function serverWithFakeModel(script: ScriptSource, baseEnv: Record<string, string>) {
  let fake: FakeOpenAI | undefined;
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    await fake?.close();
    server = fake = undefined;
  });
  return async function start(env: Record<string, string>): Promise<{ fake: FakeOpenAI; server: TestServer }> {
    const started = await startFakeOpenAI({ default: script });
    fake = started;
    server = await startTestServer({ env: { OPENAI_BASE_URL: started.url, ...baseEnv, ...env } });
    return { fake: started, server };
  };
}

import { afterEach, describe, expect, it } from "vitest";
import { actionsEvent } from "../helpers/events.js";
import { fixtureJson, fixtureText } from "../helpers/fixtures.js";
import { adminHeaders, pushEvent } from "../helpers/signing.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function context(server: TestServer, sessionId: string) {
  const res = await fetch(`${server.url}/v1/sessions/${sessionId}/context`, { headers: adminHeaders });
  return res.status === 200 ? ((await res.json()) as Record<string, any>) : undefined;
}

describe("Pilotlight → Pilotlight", () => {
  it("carries actions and summaries from A's push webhook through A's stream into B's session context", async () => {
    const a = await startTestServer();
    cleanup.push(() => a.close());
    const b = await startTestServer({
      env: { CONNECTOR_URL: `${a.url}/v1/stream/demo`, CONNECTOR_TOKEN: TEST_SECRETS.STREAM_TOKEN },
    });
    cleanup.push(() => b.close());
    await waitFor(() => b.app.services.connector!.status().state === "connected" && a.app.services.streams.stats().subscribers === 1, "B to subscribe to A");

    expect((await pushEvent(a.url, fixtureJson("autoplay-actions.json"))).body).toEqual({ accepted: 4, duplicates: 0 });
    // A re-delivery stores nothing at A, so A streams nothing.
    expect((await pushEvent(a.url, fixtureJson("autoplay-actions.json"))).body).toEqual({ accepted: 0, duplicates: 4 });
    await pushEvent(a.url, actionsEvent("p2p-other", ["o-1"]));

    // B ingests in A's order: once the later event is there, so is the earlier one.
    await waitFor(() => context(b, "p2p-other"), "the actions at B");
    const ctx = await context(b, "ps_7f3a9c");
    expect(ctx!.text).toBe(fixtureText("autoplay-actions.txt"));
    expect(ctx!.user_id).toBe("user_42");
    expect(ctx!).toEqual({ ...(await context(a, "ps_7f3a9c"))!, first_seen_at: ctx!.first_seen_at, last_seen_at: ctx!.last_seen_at });

    await pushEvent(a.url, fixtureJson("autoplay-summary.json"));
    const summarized = await waitFor(async () => {
      const c = await context(b, "ps_7f3a9c");
      return c?.summary ? c : undefined;
    }, "the summary at B");
    expect(summarized.summary).toMatchObject({ text: fixtureJson<{ summary: string }>("autoplay-summary.json").summary, replaces: 4, source: "connector" });
    expect(summarized.counts).toMatchObject({ actions: 4, in_window: 0, summarized: 4 });
    expect(b.app.services.connector!.status()).toMatchObject({ events: 3, accepted: 6, duplicates: 0, invalidFrames: 0 });
    // B stores each action once and under the connector source.
    const sources = await b.sql.all("SELECT source, count(*) AS n FROM actions GROUP BY source");
    expect(sources).toEqual([{ source: "connector", n: 5 }]);
  });
});

/**
 * /metrics for the outbound stream (subscribers, Last-Event-ID replays and the events they re-sent) and for
 * the connector subscription (its state and reconnects), after real activity: real SSE requests with the
 * stream token, and a connector pointed at a port where nothing listens.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleValue, scrape } from "../helpers/metrics-text.js";
import { readUntil } from "../helpers/read-stream.js";
import { pushEvent } from "../helpers/signing.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";

const metric = async (server: TestServer, name: string, labels: Record<string, string> = {}) => sampleValue(await scrape(server.url), name, labels);

describe("stream metrics", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { SUGGESTIONS_ENABLED: "false" } });
    for (const n of [1, 2, 3]) {
      const actions = [{ title: `t${n}`, description: "d", canonical_url: "/" }];
      expect((await pushEvent(server.url, { type: "actions", session_id: "ms-1", actions })).status).toBe(202);
    }
  });
  afterAll(async () => {
    await server.close();
  });

  const open = (headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`${server.url}/v1/stream/demo`, { headers: { authorization: `Bearer ${TEST_SECRETS.STREAM_TOKEN}`, ...headers }, signal });

  it("counts subscribers up and down, and each resume with the events it replayed", async () => {
    expect(await metric(server, "pilotlight_stream_subscribers")).toBe(0);
    const liveAbort = new AbortController();
    const live = await open({}, liveAbort.signal);
    expect(live.status).toBe(200);
    const resumed = await open({ "last-event-id": "1" });
    // Events 2 and 3 come again from SQLite.
    await readUntil(resumed, (text) => text.includes("id: 3\n"));

    // The resumed stream was closed by the client once read; the live one stays.
    await waitFor(async () => (await metric(server, "pilotlight_stream_subscribers")) === 1, "the resumed stream to be counted as closed");
    let text = await scrape(server.url);
    expect(sampleValue(text, "pilotlight_stream_replays_total")).toBe(1);
    expect(sampleValue(text, "pilotlight_stream_replayed_events_total")).toBe(2);

    const fromStart = await open({ "last-event-id": "0" });
    await readUntil(fromStart, (t) => t.includes("id: 3\n"));
    text = await scrape(server.url);
    expect(sampleValue(text, "pilotlight_stream_replays_total")).toBe(2);
    expect(sampleValue(text, "pilotlight_stream_replayed_events_total")).toBe(5);

    liveAbort.abort();
    await waitFor(async () => (await metric(server, "pilotlight_stream_subscribers")) === 0, "every stream to be counted as closed");
    // Scraping again adds nothing: the counters follow the hub's totals, not the number of scrapes.
    expect(await metric(server, "pilotlight_stream_replays_total")).toBe(2);
  });
});

/** A port on which nothing listens (bound, then released). */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe("connector metrics", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: {
        SUGGESTIONS_ENABLED: "false",
        CONNECTOR_URL: `http://127.0.0.1:${await closedPort()}/v1/stream/upstream`,
        CONNECTOR_TOKEN: "upstream-token-0123456789",
        // One failed attempt, then a long wait: the counts stay put while the test reads them.
        CONNECTOR_BACKOFF_BASE_MS: "600000",
        CONNECTOR_BACKOFF_MAX_MS: "600000",
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("shows the connector in backoff after a refused connection, with one reconnect counted", async () => {
    await waitFor(async () => (await metric(server, "pilotlight_connector_state", { state: "backoff" })) === 1, "the connector to back off");
    const text = await scrape(server.url);
    for (const state of ["disabled", "connecting", "connected", "fatal", "stopped"]) {
      expect(sampleValue(text, "pilotlight_connector_state", { state }), state).toBe(0);
    }
    expect(sampleValue(text, "pilotlight_connector_reconnects_total", { reason: "error" })).toBe(1);
    expect(await metric(server, "pilotlight_connector_reconnects_total", { reason: "error" })).toBe(1);
    // /readyz agrees: backing off is not fatal.
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toContain('"state":"backoff"');
  });
});

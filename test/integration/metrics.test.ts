import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureJson, fixtureText } from "../helpers/fixtures.js";
import { declaredMetrics, sampleValue, scrape } from "../helpers/metrics-text.js";
import { adminHeaders, pilotlightHeaders, pushEvent } from "../helpers/signing.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";

const post = (server: TestServer, body: string, headers: Record<string, string>) =>
  fetch(`${server.url}/v1/webhooks/actions`, { method: "POST", headers, body });

describe("GET /metrics", () => {
  let server: TestServer;
  let other: TestServer;
  let text: string;

  beforeAll(async () => {
    [server, other] = await Promise.all([startTestServer(), startTestServer()]);
    // Traffic with a known outcome for each counter asserted below.
    expect((await pushEvent(server.url, fixtureJson("autoplay-actions.json"))).body).toEqual({ accepted: 4, duplicates: 0 });
    expect((await pushEvent(server.url, fixtureJson("autoplay-actions.json"), "connector")).body).toEqual({ accepted: 0, duplicates: 4 });
    expect((await pushEvent(server.url, fixtureJson("autoplay-summary.json"))).body).toEqual({ accepted: 1, duplicates: 0 });
    expect((await pushEvent(server.url, { type: "actions", session_id: "s-empty", actions: [] })).status).toBe(202);
    const fixture = fixtureText("autoplay-actions.json");
    expect((await post(server, fixture, pilotlightHeaders(fixture, "not-the-push-secret-at-all"))).status).toBe(401);
    expect((await post(server, "{oops", pilotlightHeaders("{oops"))).status).toBe(400);
    const noSession = JSON.stringify({ type: "actions", actions: [{ title: "t", description: "d", canonical_url: "/" }] });
    expect((await post(server, noSession, pilotlightHeaders(noSession))).status).toBe(422);
    expect((await fetch(`${server.url}/v1/sessions/ps_7f3a9c/context`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await fetch(`${server.url}/v1/sessions/ps_7f3a9c/context`, { headers: adminHeaders })).status).toBe(200);
    expect((await fetch(`${server.url}/v1/sessions/ps_7f3a9c/context?product_id=nope`, { headers: adminHeaders })).status).toBe(404);
    text = await scrape(server.url);
  });
  afterAll(async () => {
    await Promise.all([server.close(), other.close()]);
  });

  it("answers in the Prometheus text format", async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("counts ingests by source and result, with the reason of each rejection", () => {
    const ingests = (labels: Record<string, string>) => sampleValue(text, "pilotlight_ingests_total", labels);
    // Fixture, summary and the empty batch were accepted; the re-delivery was a pure duplicate.
    expect(ingests({ source: "push", result: "accepted" })).toBe(3);
    expect(ingests({ source: "push", result: "duplicate" })).toBe(1);
    expect(ingests({ source: "push", result: "rejected", reason: "bad_signature" })).toBe(1);
    expect(ingests({ source: "push", result: "rejected", reason: "malformed_json" })).toBe(1);
    expect(ingests({ source: "push", result: "rejected", reason: "invalid_payload" })).toBe(1);
    expect(sampleValue(text, "pilotlight_ingested_items_total", { source: "push", kind: "action" })).toBe(4);
    expect(sampleValue(text, "pilotlight_ingested_items_total", { source: "push", kind: "summary" })).toBe(1);
    expect(sampleValue(text, "pilotlight_ingest_duplicates_total", { source: "push" })).toBe(4);
  });

  it("counts auth failures by route pattern and code", () => {
    expect(sampleValue(text, "pilotlight_auth_failures_total", { route: "/v1/webhooks/actions", code: "bad_signature" })).toBe(1);
    expect(sampleValue(text, "pilotlight_auth_failures_total", { route: "/v1/sessions/:sessionId/context", code: "bad_token" })).toBe(1);
  });

  it("counts HTTP requests by route pattern and status, and 4xx by error code", () => {
    const requests = (method: string, route: string, status: string) =>
      sampleValue(text, "pilotlight_http_requests_total", { method, route, status });
    expect(requests("POST", "/v1/webhooks/actions", "202")).toBe(4);
    expect(requests("POST", "/v1/webhooks/actions", "401")).toBe(1);
    expect(requests("GET", "/v1/sessions/:sessionId/context", "200")).toBe(1);
    expect(sampleValue(text, "pilotlight_http_errors_total", { route: "/v1/webhooks/actions", status: "400", code: "malformed_json" })).toBe(1);
    expect(sampleValue(text, "pilotlight_http_errors_total", { route: "/v1/sessions/:sessionId/context", status: "404", code: "unknown_session" })).toBe(1);
    expect(sampleValue(text, "pilotlight_http_request_duration_seconds_count", { method: "POST", route: "/v1/webhooks/actions" })).toBe(7);
  });

  it("declares every metric the other parts report into, and the process metrics", () => {
    const declared = declaredMetrics(text);
    expect(declared).toEqual(
      expect.arrayContaining([
        "pilotlight_connector_state",
        "pilotlight_connector_reconnects_total",
        "pilotlight_stream_subscribers",
        "pilotlight_stream_replays_total",
        "pilotlight_stream_replayed_events_total",
        "pilotlight_suggestions_total",
        "pilotlight_suggestion_skips_total",
        "pilotlight_suggestion_feedback_total",
        "pilotlight_model_latency_seconds",
        "pilotlight_model_errors_total",
        "pilotlight_model_breaker_state",
        "pilotlight_socket_connections",
        "pilotlight_socket_handshakes_total",
        "pilotlight_socket_events_total",
        "pilotlight_messages_total",
        "pilotlight_rate_limited_total",
        "pilotlight_retention_deleted_rows_total",
        "nodejs_eventloop_lag_seconds",
        "nodejs_eventloop_lag_p99_seconds",
        "process_cpu_seconds_total",
      ]),
    );
    expect(sampleValue(text, "pilotlight_connector_state", { state: "disabled" })).toBe(1);
    expect(sampleValue(text, "pilotlight_connector_state", { state: "connected" })).toBe(0);
    expect(sampleValue(text, "pilotlight_model_breaker_state", { state: "closed" })).toBe(1);
  });

  it("reports what the other parts record through the typed Metrics object", async () => {
    const { metrics } = other.app.services;
    metrics.suggestions.inc({ source: "rules", outcome: "delivered" });
    metrics.suggestionSkips.inc({ reason: "cooldown" });
    metrics.modelLatency.observe({ model: "llm", purpose: "suggestion", outcome: "ok" }, 0.3);
    metrics.breakerState.set("open");
    metrics.connectorState.set("backoff");
    const scraped = await scrape(other.url);
    expect(sampleValue(scraped, "pilotlight_suggestions_total", { source: "rules", outcome: "delivered" })).toBe(1);
    expect(sampleValue(scraped, "pilotlight_suggestion_skips_total", { reason: "cooldown" })).toBe(1);
    expect(sampleValue(scraped, "pilotlight_model_latency_seconds_bucket", { model: "llm", purpose: "suggestion", outcome: "ok", le: "0.5" })).toBe(1);
    expect(sampleValue(scraped, "pilotlight_model_breaker_state", { state: "open" })).toBe(1);
    expect(sampleValue(scraped, "pilotlight_model_breaker_state", { state: "closed" })).toBe(0);
    expect(sampleValue(scraped, "pilotlight_connector_state", { state: "backoff" })).toBe(1);
    expect(sampleValue(scraped, "pilotlight_connector_state", { state: "disabled" })).toBe(0);
  });

  it("keeps one registry per app: another app in the same process counted none of this traffic", async () => {
    const scraped = await scrape(other.url);
    expect(sampleValue(scraped, "pilotlight_ingests_total", { source: "push", result: "accepted" })).toBeUndefined();
    expect(sampleValue(text, "pilotlight_suggestions_total", { source: "rules", outcome: "delivered" })).toBeUndefined();
  });
});

describe("GET /metrics with METRICS_TOKEN", () => {
  const token = "metrics-token-0123456789";
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { METRICS_TOKEN: token } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("refuses a scrape without the bearer token, or with a wrong one", async () => {
    const none = await fetch(`${server.url}/metrics`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "missing_token",
      message: expect.stringContaining("METRICS_TOKEN"),
    });
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}x` } });
    expect(wrong.status).toBe(401);
  });

  it("serves the scrape with the token, and counts the refused ones", async () => {
    const text = await scrape(server.url, { authorization: `Bearer ${token}` });
    expect(sampleValue(text, "pilotlight_auth_failures_total", { route: "/metrics", code: "missing_token" })).toBe(1);
    expect(sampleValue(text, "pilotlight_auth_failures_total", { route: "/metrics", code: "bad_token" })).toBe(1);
  });
});

/**
 * Prometheus metrics for one app instance. Every metric lives in a Registry created per app (never the
 * global default registry), so tests can run many apps in one process without sharing counters.
 * All names carry the `pilotlight_` prefix; Node's default process metrics (CPU, memory, GC, event-loop
 * lag `nodejs_eventloop_lag_*`) are collected into the same registry.
 *
 * Label values must come from small fixed sets (sources, result codes, route patterns) — never from
 * user input such as session ids or raw paths — so the number of series stays bounded.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export type IngestSourceLabel = "push" | "connector" | "capture" | "posthog";

/** A gauge where exactly one `state` label value is 1 (the current state) and the others 0. */
export interface StateGauge<S extends string> {
  readonly gauge: Gauge<"state">;
  set(state: S): void;
}

function stateGauge<S extends string>(gauge: Gauge<"state">, states: readonly S[]): StateGauge<S> {
  return {
    gauge,
    set(state: S) {
      for (const s of states) gauge.set({ state: s }, s === state ? 1 : 0);
      // A state outside the declared list still shows up rather than vanishing.
      if (!states.includes(state)) gauge.set({ state }, 1);
    },
  };
}

export const CONNECTOR_STATES = ["disabled", "standby", "connecting", "connected", "backoff", "fatal", "stopped"] as const;
export const BREAKER_STATES = ["closed", "open", "half_open"] as const;

export interface CreateMetricsOptions {
  /** Node process metrics (CPU, memory, GC, event-loop lag). Default true. */
  defaultMetrics?: boolean;
}

export function createMetrics(options: CreateMetricsOptions = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const scrapeHooks = new Set<() => void | Promise<void>>();

  const metrics = {
    registry,
    /** Runs `hook` before every scrape: for values read from a component's own stats (streams, connector). */
    onScrape(hook: () => void | Promise<void>): void {
      scrapeHooks.add(hook);
    },
    /** The Prometheus text of every metric, with the scrape hooks run first. */
    async text(): Promise<string> {
      for (const hook of scrapeHooks) await hook();
      return registry.metrics();
    },

    // --- ingest (all sources go through the one ingest use case)
    /** One per ingest attempt (a request, a stream frame): result accepted | duplicate | rejected | failed. */
    ingests: new Counter({
      name: "pilotlight_ingests_total",
      help: "Ingest attempts by source and result (accepted: stored something new; duplicate: only re-deliveries; rejected: refused with `reason` = error code; failed: commit error)",
      labelNames: ["source", "result", "reason"] as const,
      registers,
    }),
    /** Actions and summaries newly stored. */
    ingestedItems: new Counter({
      name: "pilotlight_ingested_items_total",
      help: "Actions and summaries newly stored, by source and kind",
      labelNames: ["source", "kind"] as const,
      registers,
    }),
    duplicates: new Counter({
      name: "pilotlight_ingest_duplicates_total",
      help: "Actions and summaries received again and not stored a second time, by source",
      labelNames: ["source"] as const,
      registers,
    }),

    // --- HTTP edge
    httpRequests: new Counter({
      name: "pilotlight_http_requests_total",
      help: "HTTP requests by method, route pattern and status code",
      labelNames: ["method", "route", "status"] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: "pilotlight_http_request_duration_seconds",
      help: "HTTP request duration by method and route pattern",
      labelNames: ["method", "route"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    httpErrors: new Counter({
      name: "pilotlight_http_errors_total",
      help: "HTTP error responses by route pattern, status and error code (why senders are refused)",
      labelNames: ["route", "status", "code"] as const,
      registers,
    }),
    authFailures: new Counter({
      name: "pilotlight_auth_failures_total",
      help: "Refused credentials (signatures, tokens, keys, identity hashes) by route or socket event and error code",
      labelNames: ["route", "code"] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: "pilotlight_rate_limited_total",
      help: "Requests or handshakes refused by a rate limit, by limiter",
      labelNames: ["limiter"] as const,
      registers,
    }),
    rateLimitKeys: new Gauge({
      name: "pilotlight_rate_limit_keys",
      help: "Keys (product and client address, socket, conversation…) a rate limiter holds in memory, by limiter",
      labelNames: ["limiter"] as const,
      registers,
    }),

    // --- connector subscription (SSE client) and outbound stream
    connectorState: stateGauge(
      new Gauge({
        name: "pilotlight_connector_state",
        help: "Connector subscription state: 1 for the current state, 0 for the others",
        labelNames: ["state"] as const,
        registers,
      }),
      CONNECTOR_STATES,
    ),
    connectorReconnects: new Counter({
      name: "pilotlight_connector_reconnects_total",
      help: "Connector reconnect attempts by reason (error, timeout, closed, http status)",
      labelNames: ["reason"] as const,
      registers,
    }),
    streamSubscribers: new Gauge({
      name: "pilotlight_stream_subscribers",
      help: "Open outbound SSE stream subscriptions",
      registers,
    }),
    streamReplays: new Counter({
      name: "pilotlight_stream_replays_total",
      help: "Outbound stream subscriptions that resumed with Last-Event-ID",
      registers,
    }),
    streamReplayedEvents: new Counter({
      name: "pilotlight_stream_replayed_events_total",
      help: "Events re-sent from SQLite to resuming subscribers",
      registers,
    }),

    // --- suggestions and the model
    suggestions: new Counter({
      name: "pilotlight_suggestions_total",
      help: "Suggestion attempts by model source (llm, rules) and outcome (delivered, declined, skipped, failed, superseded)",
      labelNames: ["source", "outcome"] as const,
      registers,
    }),
    suggestionSkips: new Counter({
      name: "pilotlight_suggestion_skips_total",
      help: "Suggestions held back by the gates, by reason code (cooldown, typing, duplicate, hourly_cap, …)",
      labelNames: ["reason"] as const,
      registers,
    }),
    suggestionDeliveries: new Counter({
      name: "pilotlight_suggestion_deliveries_total",
      help: "Suggestions entering a delivery state: delivered (a widget acknowledged it), pending (no widget received it yet), expired (none did within SUGGESTION_TTL_S)",
      labelNames: ["state"] as const,
      registers,
    }),
    suggestionsPending: new Gauge({
      name: "pilotlight_suggestions_pending",
      help: "Suggestions waiting for a widget of their session or user (read at scrape time)",
      registers,
    }),
    suggestionFeedback: new Counter({
      name: "pilotlight_suggestion_feedback_total",
      help: "Feedback on delivered suggestions by verdict (accepted, dismissed); ignored ones are derived by the admin stats",
      labelNames: ["verdict"] as const,
      registers,
    }),
    modelLatency: new Histogram({
      name: "pilotlight_model_latency_seconds",
      help: "Model call duration by model (llm, rules), purpose (suggestion, chat, summary, label) and outcome (ok, declined, error, timeout)",
      labelNames: ["model", "purpose", "outcome"] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32],
      registers,
    }),
    modelErrors: new Counter({
      name: "pilotlight_model_errors_total",
      help: "Failed LLM calls by error code (llm_timeout, llm_rate_limited, llm_unavailable, llm_rejected, llm_invalid_output), and calls (suggestions, summaries, chat) refused by the open breaker (breaker_open) or by their client address's budget (address_budget)",
      labelNames: ["code"] as const,
      registers,
    }),
    breakerState: stateGauge(
      new Gauge({
        name: "pilotlight_model_breaker_state",
        help: "LLM circuit breaker state: 1 for the current state, 0 for the others",
        labelNames: ["state"] as const,
        registers,
      }),
      BREAKER_STATES,
    ),

    // --- realtime and chat
    socketConnections: new Gauge({
      name: "pilotlight_socket_connections",
      help: "Open widget Socket.IO connections",
      registers,
    }),
    socketHandshakes: new Counter({
      name: "pilotlight_socket_handshakes_total",
      help: "Widget Socket.IO handshakes by result (accepted, refused) and error code",
      labelNames: ["result", "code"] as const,
      registers,
    }),
    socketEvents: new Counter({
      name: "pilotlight_socket_events_total",
      help: "Client-to-server socket events by event name and result (ok, or the error code of the ack)",
      labelNames: ["event", "result"] as const,
      registers,
    }),
    messages: new Counter({
      name: "pilotlight_messages_total",
      help: "Conversation messages stored, by role (user, assistant, suggestion)",
      labelNames: ["role"] as const,
      registers,
    }),

    // --- retention
    retentionDeleted: new Counter({
      name: "pilotlight_retention_deleted_rows_total",
      help: "Rows purged by the retention job, by table",
      labelNames: ["table"] as const,
      registers,
    }),
    retentionRuns: new Counter({
      name: "pilotlight_retention_runs_total",
      help: "Retention job runs by result (ok, error, stopped)",
      labelNames: ["result"] as const,
      registers,
    }),
    retentionLastRun: new Gauge({
      name: "pilotlight_retention_last_run_timestamp_seconds",
      help: "When the retention job last finished a run (Unix seconds)",
      registers,
    }),
  };
  metrics.connectorState.set("disabled");
  metrics.breakerState.set("closed");
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

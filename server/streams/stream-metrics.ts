/**
 * Exposes the outbound stream's and the connector's own counters as metrics, read at scrape time: the
 * components keep plain stats, and nothing on their hot paths touches prom-client.
 */
import type { ConnectorStatus } from "../ingest/connector-status.js";
import type { Metrics } from "../metrics.js";
import type { StreamStats } from "./stream-hub.js";

export function exposeStreamMetrics(metrics: Metrics, streams: { stats(): StreamStats }, connector?: { status(): ConnectorStatus }): void {
  const seen = { replays: 0, replayedEvents: 0, reconnects: 0 };
  metrics.onScrape(() => {
    const s = streams.stats();
    metrics.streamSubscribers.set(s.subscribers);
    metrics.streamReplays.inc(s.replays - seen.replays);
    metrics.streamReplayedEvents.inc(s.replayedEvents - seen.replayedEvents);
    seen.replays = s.replays;
    seen.replayedEvents = s.replayedEvents;
    if (!connector) return;
    const c = connector.status();
    metrics.connectorState.set(c.state);
    metrics.connectorReconnects.inc({ reason: c.lastError ? "error" : "closed" }, c.reconnects - seen.reconnects);
    seen.reconnects = c.reconnects;
  });
}

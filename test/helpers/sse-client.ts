/**
 * Subscribes to Pilotlight's outbound stream with the `eventsource` package — a WHATWG EventSource, not
 * Pilotlight code — adding the bearer token (and, for a client that keeps its own cursor, a starting
 * Last-Event-ID) through its `fetch` option. Reconnects, `retry:` and Last-Event-ID on reconnect are the
 * package's own behaviour.
 */
import { EventSource, type FetchLike } from "eventsource";
import { TEST_SECRETS } from "./test-server.js";
import { waitFor } from "./wait.js";

export interface ReceivedEvent {
  id: number;
  data: Record<string, any>;
}

export interface SseOptions {
  token?: string;
  /**
   * Where a client that keeps its own cursor resumes: sent while the package has no Last-Event-ID of its
   * own (it has none until the first event arrives — a reconnect before that would otherwise start live).
   */
  lastEventId?: number;
  /** Wraps the real fetch (e.g. to stall reading). */
  wrapFetch?: (fetch: FetchLike) => FetchLike;
}

export function subscribe(url: string, options: SseOptions = {}) {
  const events: ReceivedEvent[] = [];
  const errors: { code?: number; message?: string }[] = [];
  const requests: Record<string, string>[] = [];
  let heartbeats = 0;
  let opens = 0;
  const eventsAtOpen: number[] = [];
  const token = options.token ?? TEST_SECRETS.STREAM_TOKEN;
  const base: FetchLike = (input, init) => {
    const headers: Record<string, string> = { ...init.headers, authorization: `Bearer ${token}` };
    if (!headers["Last-Event-ID"] && options.lastEventId !== undefined) headers["Last-Event-ID"] = String(options.lastEventId);
    requests.push(headers);
    return fetch(input, { ...init, headers });
  };
  const es = new EventSource(url, { fetch: options.wrapFetch ? options.wrapFetch(base) : base });
  es.addEventListener("message", (e) => events.push({ id: Number(e.lastEventId), data: JSON.parse(e.data) }));
  es.addEventListener("heartbeat", () => heartbeats++);
  es.addEventListener("open", () => {
    opens++;
    eventsAtOpen.push(events.length);
  });
  es.addEventListener("error", (e) => errors.push({ code: e.code, message: e.message }));

  return {
    es,
    events,
    errors,
    /** Headers of every request the client made (first connect and each reconnect). */
    requests,
    heartbeats: () => heartbeats,
    opens: () => opens,
    /** How many events had arrived when each connection opened. */
    eventsAtOpen,
    untilEvents: (n: number, timeoutMs = 10_000) =>
      waitFor(() => events.length >= n && events, `${n} stream events (got ${events.length})`, timeoutMs),
    close: () => es.close(),
  };
}

export type SseSubscription = ReturnType<typeof subscribe>;

/**
 * One connection to an upstream SSE stream (PROTOCOL.md §2.2): fetch with `Accept: text/event-stream`, a
 * bearer token and Last-Event-ID; frames parsed by eventsource-parser; a watchdog that aborts when no byte
 * arrived for `watchdogMs`. Messages are handed over per chunk and the next chunk is read only once they
 * are handled, so a slow commit pushes back on the upstream instead of piling up in memory.
 */
import { createParser, type EventSourceMessage, type ParseError } from "eventsource-parser";
import { timerDelay } from "../timers.js";

/** The upstream answered something other than 200. 401/403/404 are fatal for the caller. */
export class UpstreamStatusError extends Error {
  constructor(readonly status: number) {
    super(`upstream answered HTTP ${status}`);
    this.name = "UpstreamStatusError";
  }
}

export class WatchdogError extends Error {
  constructor(ms: number) {
    super(`no bytes from the upstream for ${ms} ms (3 heartbeat intervals)`);
    this.name = "WatchdogError";
  }
}

export interface UpstreamConnection {
  url: string;
  token: string;
  lastEventId: string | null;
  /** Aborts the connection for good (shutdown). */
  signal: AbortSignal;
  watchdogMs: number;
  /** A frame larger than this many characters ends the connection instead of growing the buffer. */
  maxFrameChars: number;
  onOpen(): void;
  /** Handles the messages of one chunk, in order; a rejection ends the connection. */
  onMessages(messages: EventSourceMessage[]): Promise<void>;
  onParseProblem(problem: ParseError): void;
}

/** Resolves when the upstream ends the stream; rejects on a non-200, a network error or the watchdog. */
export async function readUpstream(c: UpstreamConnection): Promise<void> {
  const controller = new AbortController();
  const onStop = () => controller.abort(c.signal.reason);
  c.signal.addEventListener("abort", onStop, { once: true });
  if (c.signal.aborted) onStop();

  const silence = new WatchdogError(c.watchdogMs);
  let watchdog: NodeJS.Timeout | undefined;
  const armWatchdog = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => controller.abort(silence), timerDelay(c.watchdogMs));
  };

  try {
    armWatchdog(); // also bounds a connect that never answers
    const headers: Record<string, string> = {
      accept: "text/event-stream",
      authorization: `Bearer ${c.token}`,
      "cache-control": "no-cache",
    };
    if (c.lastEventId) headers["last-event-id"] = c.lastEventId;
    const res = await fetch(c.url, { headers, signal: controller.signal });
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw new UpstreamStatusError(res.status);
    }
    const type = res.headers.get("content-type") ?? "";
    if (!type.toLowerCase().startsWith("text/event-stream") || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new Error(`upstream answered 200 with Content-Type ${JSON.stringify(type.slice(0, 100))}, not text/event-stream`);
    }
    c.onOpen();

    let messages: EventSourceMessage[] = [];
    const parser = createParser({
      onEvent: (m) => messages.push(m),
      onError: (e) => c.onParseProblem(e),
      maxBufferSize: c.maxFrameChars,
    });
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return; // an unfinished last frame is dropped: it comes again after Last-Event-ID
      armWatchdog();
      try {
        parser.feed(decoder.decode(value, { stream: true }));
      } catch {
        throw new Error(`upstream frame exceeds ${c.maxFrameChars} characters`);
      }
      if (messages.length > 0) {
        const batch = messages;
        messages = [];
        // Time spent committing is not upstream silence.
        clearTimeout(watchdog);
        await c.onMessages(batch);
        armWatchdog();
      }
    }
  } catch (err) {
    if (controller.signal.reason === silence) throw silence;
    throw err;
  } finally {
    clearTimeout(watchdog);
    c.signal.removeEventListener("abort", onStop);
    controller.abort(); // releases the socket when we are the ones leaving
  }
}

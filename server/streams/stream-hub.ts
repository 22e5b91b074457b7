/**
 * The outbound stream (PROTOCOL.md §3.1): subscribers of `GET /v1/stream/:productId`, replay from the event
 * log after a Last-Event-ID, live fan-out of committed ingests, heartbeats, and the numbers /readyz and
 * /metrics show.
 *
 * Replay → live with no gap and no duplicate: a replay listens to the live fan-out from just before each read
 * of the log until that read's answer is handled. When a read finds the end of the log, the subscriber writes
 * the page, then what it heard meanwhile with ids past the page (announcements follow commits, and ids grow
 * with commit order), and joins the live set in that same step: entries up to the read came from the store,
 * anything committed while it was in flight was heard, everything later comes live. Nothing depends on the
 * read being synchronous, so it holds for any store.
 *
 * Replays share the event loop with everything else: one pump serves every replaying subscriber a page at a
 * time, round-robin, and yields after REPLAY_SLICE_MS, so a crowd resuming from an old id delays an ingest by
 * a slice, never by the whole replay.
 *
 * Several instances (server mode, `bus` given): subscribers also get what other instances commit, read from
 * the shared log by a per-product feed (stream-feed.ts) and handed to the same fan-out, so the handoff above
 * is unchanged. Without a bus the in-process announcement is the feed.
 */
import type { ServerResponse } from "node:http";
import type { Bus } from "../cluster/bus.js";
import type { RepositoryPorts } from "../../db/store.js";
import { ServiceUnavailableError } from "../errors.js";
import type { IngestService } from "../ingest/ingest-event.js";
import type { LogEntry } from "../../db/event-log.repository.js";
import type { Logger } from "../logger.js";
import { commentFrame, eventFrame, HEARTBEAT_FRAME, retryFrame } from "./sse-frames.js";
import { createStreamFeeds, type FeedEntry } from "./stream-feed.js";
import { createSubscriber, type CloseReason, type Subscriber } from "./stream-subscriber.js";

/** Entries read per replay query. */
const REPLAY_PAGE = 200;
/** The longest the replay pump runs before it lets the event loop serve others (then it goes on). */
const REPLAY_SLICE_MS = 4;

export interface StreamHubDeps {
  repos: RepositoryPorts;
  ingest: IngestService;
  logger: Logger;
  heartbeatMs: number;
  retryMs: number;
  maxBufferedBytes: number;
  /** Server mode: commits are announced across instances and every hub reads the log for them. */
  bus?: Bus;
}


export interface OpenStream {
  productId: string;
  sessionKey: string | null;
  /** Last-Event-ID: replay entries after it; null = live only. */
  afterId: number | null;
}

export interface StreamStats {
  /** Open streams (replaying or live). */
  subscribers: number;
  replaying: number;
  /** Streams opened since start. */
  opened: number;
  /** Of those, how many resumed from a Last-Event-ID. */
  replays: number;
  replayedEvents: number;
  /** Live frames written or queued, summed over subscribers. */
  sentEvents: number;
  heartbeats: number;
  /** Streams cut because the subscriber fell more than STREAM_BUFFER_BYTES behind. */
  overflows: number;
}

export function createStreamHub(deps: StreamHubDeps) {
  const { repos, logger } = deps;
  const live = new Map<string, Set<Subscriber>>();
  const replaying = new Set<Subscriber>();
  let closed = false;
  const counts = { opened: 0, replays: 0, replayedEvents: 0, sentEvents: 0, heartbeats: 0, overflows: 0 };

  function liveSet(productId: string): Set<Subscriber> {
    let set = live.get(productId);
    if (!set) live.set(productId, (set = new Set()));
    return set;
  }

  function onClose(sub: Subscriber, reason: CloseReason): void {
    replaying.delete(sub);
    live.get(sub.productId)?.delete(sub);
    if (reason === "overflow") {
      counts.overflows++;
      logger.warn(
        { productId: sub.productId, lastId: sub.lastId, limitBytes: deps.maxBufferedBytes },
        "stream subscriber fell too far behind: closed its stream so it resumes with Last-Event-ID",
      );
    }
  }

  /** Replays with a read of the log in flight: they hear the fan-out meanwhile (see the module comment). */
  const listening = new Set<Replay>();

  /** One committed entry to the subscribers of its product (and session), and to the replays listening. */
  function fanOut(event: FeedEntry): void {
    for (const replay of listening) {
      const { sub } = replay;
      if (sub.productId !== event.productId || (sub.sessionKey !== null && sub.sessionKey !== event.sessionId)) continue;
      replay.heard.push({ id: event.logId, data: event.data });
    }
    const subs = live.get(event.productId);
    if (!subs || subs.size === 0) return;
    const frame = eventFrame(event.logId, event.data);
    for (const sub of subs) {
      if (sub.sessionKey !== null && sub.sessionKey !== event.sessionId) continue;
      sub.send(event.logId, frame);
      counts.sentEvents++;
    }
  }

  /** A replay in progress: where it is in the log, and the entries read but not yet written. */
  interface Replay {
    sub: Subscriber;
    /** Where the next read starts (the log has been read through here). */
    cursor: number;
    page: LogEntry[];
    at: number;
    /** The last read reached the end of the log: once `page` is written, the replay is done. */
    end: boolean;
    /** Entries fanned out while the last read was in flight, in commit order. */
    heard: { id: number; data: string }[];
  }
  let queue: Replay[] = [];
  let pumpScheduled = false;
  let pumping = false;

  function schedulePump(): void {
    if (pumpScheduled || pumping || queue.length === 0) return;
    pumpScheduled = true;
    setImmediate(() => void pump());
  }

  /** Serves replays page by page, round-robin, for at most one slice; then yields and goes on. */
  async function pump(): Promise<void> {
    pumpScheduled = false;
    pumping = true;
    const deadline = performance.now() + REPLAY_SLICE_MS;
    while (queue.length > 0 && performance.now() < deadline) {
      const replay = queue.shift()!;
      try {
        await step(replay);
      } catch (err) {
        logger.error({ err, productId: replay.sub.productId }, "stream replay failed");
        replaying.delete(replay.sub);
        replay.sub.destroy("error");
      }
    }
    pumping = false;
    schedulePump();
  }

  /** Writes one page (reading it first when needed); then the replay goes live, waits for drain, or queues again. */
  async function step(replay: Replay): Promise<void> {
    const { sub } = replay;
    if (sub.closed) return;
    let readNow = false;
    if (replay.at >= replay.page.length) {
      replay.heard = [];
      listening.add(replay);
      let page;
      try {
        page = await repos.eventLog.after(sub.productId, replay.cursor, REPLAY_PAGE, sub.sessionKey);
      } finally {
        listening.delete(replay);
      }
      if (sub.closed || closed) return;
      replay.page = page.entries;
      replay.at = 0;
      replay.cursor = page.through;
      replay.end = page.end;
      readNow = true;
    }
    // Honour backpressure: stop at a full socket and go on from here once it has drained.
    while (replay.at < replay.page.length && !sub.congested) {
      const entry = replay.page[replay.at++]!;
      sub.writeReplay(entry.id, eventFrame(entry.id, entry.data));
      counts.replayedEvents++;
    }
    // Live only from the turn whose read found the end; a page finished later is read on from its cursor.
    if (replay.end && readNow && replay.at >= replay.page.length) {
      // Caught up, in the same step as the read: what was committed while it was in flight, then live (see
      // the module comment). Should the last write have filled the socket, live frames queue behind it under
      // the usual buffer limit.
      for (const entry of replay.heard) {
        if (entry.id <= replay.cursor) continue;
        sub.send(entry.id, eventFrame(entry.id, entry.data));
        counts.sentEvents++;
      }
      replay.heard = [];
      replaying.delete(sub);
      liveSet(sub.productId).add(sub);
      return;
    }
    if (sub.congested) {
      void sub.writable().then(() => {
        queue.push(replay);
        schedulePump();
      });
      return;
    }
    queue.push(replay);
  }

  const feeds = deps.bus
    ? createStreamFeeds({
        repos,
        bus: deps.bus,
        logger,
        catchUpMs: deps.heartbeatMs,
        fanOut,
        bySession: (productId) =>
          [...(live.get(productId) ?? [])].some((sub) => sub.sessionKey !== null) || [...listening].some((r) => r.sub.sessionKey !== null),
      })
    : undefined;
  const unsubscribe = deps.ingest.onIngested(feeds ? (event) => feeds.committed(event) : fanOut);
  const heartbeat = setInterval(() => {
    for (const subs of live.values()) {
      for (const sub of subs) {
        sub.sendUnnumbered(HEARTBEAT_FRAME);
        counts.heartbeats++;
      }
    }
  }, deps.heartbeatMs);
  heartbeat.unref();

  return {
    /** Answers `res` with the stream described by `open`. Validation and auth are the caller's. */
    async open(res: ServerResponse, open: OpenStream): Promise<void> {
      if (closed) throw new ServiceUnavailableError("shutting_down", "the server is shutting down; reconnect shortly");
      // Server mode: the product's feed is positioned before anything is read, so nothing committed after
      // this point can pass it unheard.
      await feeds?.ready(open.productId);
      // The client may already be gone; a subscriber registered now would never hear its 'close'.
      const head = await repos.eventLog.head();
      // An id from the future (say, the log of a server that was since reset) resumes from now.
      const afterId = open.afterId === null ? null : Math.min(open.afterId, head);
      const prunedThrough = afterId === null ? 0 : await repos.eventLog.prunedThrough();
      if (closed) throw new ServiceUnavailableError("shutting_down", "the server is shutting down; reconnect shortly");
      if (!res.socket || res.socket.destroyed) return;
      const truncated = afterId !== null && afterId < prunedThrough;

      res.writeHead(200, {
        "Content-Type": "text/event-stream",
        "Cache-Control": "no-cache",
        "X-Accel-Buffering": "no",
        ...(truncated ? { "X-Pilotlight-Pruned-Through": String(prunedThrough) } : {}),
      });
      // HEAD (which express routes here too) gets the headers and no never-ending body.
      if (res.req.method === "HEAD") {
        res.end();
        return;
      }
      res.write(retryFrame(deps.retryMs));
      if (truncated) {
        res.write(commentFrame(`events up to id ${prunedThrough} are past the retention window and cannot be replayed; resuming after them`));
        logger.info({ productId: open.productId, lastEventId: open.afterId, prunedThrough }, "stream resume reaches past the retention window");
      }

      const sub = createSubscriber(res, {
        productId: open.productId,
        sessionKey: open.sessionKey,
        maxBufferedBytes: deps.maxBufferedBytes,
        onClose,
      });
      counts.opened++;
      if (afterId === null) {
        liveSet(open.productId).add(sub);
        return;
      }
      counts.replays++;
      replaying.add(sub);
      queue.push({ sub, cursor: afterId, page: [], at: 0, end: false, heard: [] });
      schedulePump();
    },

    stats(): StreamStats {
      let liveCount = 0;
      for (const subs of live.values()) liveCount += subs.size;
      return { subscribers: liveCount + replaying.size, replaying: replaying.size, ...counts };
    },

    /** Ends every open stream (so the HTTP server can close) and stops listening to ingests. */
    close(): void {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      feeds?.close();
      queue = [];
      listening.clear();
      for (const sub of [...replaying]) sub.end();
      for (const subs of live.values()) for (const sub of [...subs]) sub.end();
    },
  };
}

export type StreamHub = ReturnType<typeof createStreamHub>;

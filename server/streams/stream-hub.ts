/**
 * The outbound stream (PROTOCOL.md §3.1): subscribers of `GET /v1/stream/:productId`, replay from the event
 * log after a Last-Event-ID, live fan-out of committed ingests, heartbeats, and the numbers /readyz and
 * /metrics show.
 *
 * Replay → live with no gap and no duplicate: better-sqlite3 reads are synchronous and the group commit
 * announces committed ingests in the same synchronous run as the commit, so between two turns every committed
 * entry has already been announced. A subscriber therefore joins the live set in the very turn whose read found
 * the end of the log: entries up to that read came from SQLite, everything later comes live.
 *
 * Replays share the event loop with everything else: one pump serves every replaying subscriber a page at a
 * time, round-robin, and yields after REPLAY_SLICE_MS, so a crowd resuming from an old id delays an ingest by
 * a slice, never by the whole replay.
 */
import type { ServerResponse } from "node:http";
import type { Repositories } from "../../db/repositories.js";
import { ServiceUnavailableError } from "../errors.js";
import type { IngestedEvent, IngestService } from "../ingest/ingest-event.js";
import type { LogEntry } from "../../db/event-log.repository.js";
import type { Logger } from "../logger.js";
import { commentFrame, eventFrame, HEARTBEAT_FRAME, retryFrame } from "./sse-frames.js";
import { createSubscriber, type CloseReason, type Subscriber } from "./stream-subscriber.js";

/** Entries read per replay query. */
const REPLAY_PAGE = 200;
/** The longest the replay pump runs before it lets the event loop serve others (then it goes on). */
const REPLAY_SLICE_MS = 4;

export interface StreamHubDeps {
  repos: Repositories;
  ingest: IngestService;
  logger: Logger;
  heartbeatMs: number;
  retryMs: number;
  maxBufferedBytes: number;
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

  function fanOut(event: IngestedEvent): void {
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
  }
  let queue: Replay[] = [];
  let pumpScheduled = false;

  function schedulePump(): void {
    if (pumpScheduled || queue.length === 0) return;
    pumpScheduled = true;
    setImmediate(pump);
  }

  /** Serves replays page by page, round-robin, for at most one slice; then yields and goes on. */
  function pump(): void {
    pumpScheduled = false;
    const deadline = performance.now() + REPLAY_SLICE_MS;
    while (queue.length > 0 && performance.now() < deadline) {
      const replay = queue.shift()!;
      try {
        step(replay);
      } catch (err) {
        logger.error({ err, productId: replay.sub.productId }, "stream replay failed");
        replaying.delete(replay.sub);
        replay.sub.destroy("error");
      }
    }
    schedulePump();
  }

  /** Writes one page (reading it first when needed); then the replay goes live, waits for drain, or queues again. */
  function step(replay: Replay): void {
    const { sub } = replay;
    if (sub.closed) return;
    let readNow = false;
    if (replay.at >= replay.page.length) {
      const page = repos.eventLog.after(sub.productId, replay.cursor, REPLAY_PAGE, sub.sessionKey);
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
      // Caught up, in the same turn as the read: go live (see the module comment). Should the last write
      // have filled the socket, live frames queue behind it under the usual buffer limit.
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

  const unsubscribe = deps.ingest.onIngested(fanOut);
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
    open(res: ServerResponse, open: OpenStream): void {
      if (closed) throw new ServiceUnavailableError("shutting_down", "the server is shutting down; reconnect shortly");
      // The client may already be gone; a subscriber registered now would never hear its 'close'.
      if (!res.socket || res.socket.destroyed) return;
      const head = repos.eventLog.head();
      // An id from the future (say, the log of a server that was since reset) resumes from now.
      const afterId = open.afterId === null ? null : Math.min(open.afterId, head);
      const prunedThrough = afterId === null ? 0 : repos.eventLog.prunedThrough();
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
      queue.push({ sub, cursor: afterId, page: [], at: 0, end: false });
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
      queue = [];
      for (const sub of [...replaying]) sub.end();
      for (const subs of live.values()) for (const sub of [...subs]) sub.end();
    },
  };
}

export type StreamHub = ReturnType<typeof createStreamHub>;

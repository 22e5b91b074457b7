/**
 * One outbound SSE subscriber: its HTTP response plus a bounded buffer. Writes honour `res.write()`
 * returning false: while the socket is congested, frames wait in the subscriber's own queue until 'drain'.
 * When that queue passes its byte limit the stream is cut — never silently thinned — and the client
 * resumes with Last-Event-ID. So a slow reader costs memory up to its limit, and never ingest time.
 */
import type { ServerResponse } from "node:http";

export type CloseReason = "client" | "overflow" | "shutdown" | "error";

export interface SubscriberInit {
  productId: string;
  /** Only this session's events (`?session_id=`), or all of the product's. */
  sessionKey: string | null;
  maxBufferedBytes: number;
  /** Called once, when the stream has closed for whatever reason. */
  onClose: (subscriber: Subscriber, reason: CloseReason) => void;
}

export interface Subscriber {
  readonly productId: string;
  readonly sessionKey: string | null;
  /** Id of the last event written (or queued); later events only. */
  readonly lastId: number;
  readonly closed: boolean;
  /** The last write returned false and 'drain' has not come yet. */
  readonly congested: boolean;
  /** Live frame: queued while the socket is congested; the stream is cut when the queue overflows. */
  send(id: number, frame: Buffer): void;
  /** A frame without an id (heartbeat), under the same buffer rules. */
  sendUnnumbered(frame: Buffer): void;
  /** Replay frame; the replay loop writes only while not `congested` and then waits for `writable()`. */
  writeReplay(id: number, frame: Buffer): void;
  /** Resolves when the socket has room again (or the stream closed). */
  writable(): Promise<void>;
  /** Ends the stream gracefully (shutdown). */
  end(): void;
  /** Cuts the stream (overflow, internal error). */
  destroy(reason: CloseReason): void;
}

export function createSubscriber(res: ServerResponse, init: SubscriberInit): Subscriber {
  let queue: Buffer[] = [];
  let queuedBytes = 0;
  let blocked = false;
  let closed = false;
  let lastId = 0;
  let closeReason: CloseReason = "client";
  let corked = false;
  let waiters: (() => void)[] = [];

  const release = () => {
    const pending = waiters;
    waiters = [];
    for (const resolve of pending) resolve();
  };

  const onDrain = () => {
    blocked = false;
    if (queue.length > 0) {
      const frames = queue;
      queue = [];
      queuedBytes = 0;
      // One writev for everything that waited.
      res.cork();
      let ok = true;
      for (const frame of frames) ok = res.write(frame);
      res.uncork();
      if (!ok) {
        block();
        return;
      }
    }
    release();
  };

  function block(): void {
    blocked = true;
    res.once("drain", onDrain);
  }

  const uncork = () => {
    corked = false;
    res.uncork();
  };

  function write(frame: Buffer): void {
    // Frames written in the same turn (one group commit announces many events) leave in one writev.
    if (!corked) {
      corked = true;
      res.cork();
      process.nextTick(uncork);
    }
    if (!res.write(frame)) block();
  }

  function push(frame: Buffer): void {
    if (closed) return;
    if (!blocked) {
      write(frame);
      return;
    }
    queue.push(frame);
    queuedBytes += frame.length;
    if (queuedBytes > init.maxBufferedBytes) subscriber.destroy("overflow");
  }

  res.once("close", () => {
    closed = true;
    queue = [];
    queuedBytes = 0;
    res.off("drain", onDrain);
    release();
    init.onClose(subscriber, closeReason);
  });

  const subscriber: Subscriber = {
    productId: init.productId,
    sessionKey: init.sessionKey,
    get lastId() {
      return lastId;
    },
    get closed() {
      return closed;
    },
    get congested() {
      return blocked;
    },
    send(id, frame) {
      // Replay already covered it (the cut-over from replay to live is exact, but never send an id twice).
      if (id <= lastId) return;
      lastId = id;
      push(frame);
    },
    sendUnnumbered: push,
    writeReplay(id, frame) {
      lastId = id;
      push(frame);
    },
    writable() {
      if (closed || !blocked) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    end() {
      if (closed) return;
      closeReason = "shutdown";
      closed = true;
      res.end();
    },
    destroy(reason) {
      if (res.destroyed) return;
      closeReason = reason;
      closed = true;
      res.destroy();
    },
  };
  return subscriber;
}

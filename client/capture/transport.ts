/**
 * Sends events to `POST /v1/capture` as text/plain — a CORS "simple" request, so no preflight — with
 * `fetch(…, {keepalive: true})`, or `navigator.sendBeacon` when the page is going away.
 *
 * Fresh first: the first event of a burst is sent at once; the rest of the burst waits for that request to
 * finish (at most COALESCE_MS) and goes in one request. A batch holds one session and one identity, both as
 * they were when its events happened: a change of person sends what came before as the previous person's. A failed send (network, 5xx, 429) keeps the events
 * for a later try with backoff; the server dedupes on each event's timestamp, so a retry never doubles
 * anything. Another 4xx is a configuration problem: the server's reason (readable cross-origin) is logged
 * once as a console error naming the code and the fix, and those events are dropped.
 */
import type { CaptureBatch, RawEvent } from "../../server/contracts/capture.js";

/** The longest an event waits for the request before it to finish. */
export const COALESCE_MS = 250;
const FLUSH_AT = 20;
const MAX_PER_REQUEST = 100;
const MAX_QUEUE = 500;
const FIRST_RETRY_MS = 2000;

export interface Transport {
  push(sessionId: string, event: RawEvent): void;
  /** Sends what is queued; with `leaving`, by beacon. Resolves when the send has finished. */
  flush(leaving?: boolean): Promise<void>;
}

async function reasonOf(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) return `${body.error.code}: ${body.error.message ?? ""}`;
  } catch {
    // Not JSON (a proxy's page): the status is all there is.
  }
  return `HTTP ${res.status}`;
}

export interface CaptureUser {
  id?: string | undefined;
  hash?: string | undefined;
}

export function createTransport(url: string, productKey: string, user: () => CaptureUser): Transport {
  let queue: RawEvent[] = [];
  let queueSession = "";
  let queueUser: CaptureUser = {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | undefined;
  let retryMs = FIRST_RETRY_MS;
  let backingOff = false;
  let warned = false;

  const schedule = (ms: number) => {
    if (timer === undefined) timer = setTimeout(() => void (queue.length ? sendNow() : undefined), ms);
  };

  function requeue(sessionId: string, events: RawEvent[]) {
    // Events of a session that has since rotated (30 idle minutes, another person) are not mixed into the new
    // one; within the same session they are retried with its identity now (a sign-in keeps the session).
    if (sessionId !== queueSession) return;
    queue = events.concat(queue).slice(-MAX_QUEUE);
    backingOff = true;
    clearTimeout(timer);
    timer = undefined;
    schedule(retryMs);
    retryMs = Math.min(retryMs * 2, 60_000);
  }

  function send(leaving: boolean): Promise<void> {
    const sessionId = queueSession;
    const events = queue.splice(0, MAX_PER_REQUEST);
    const batch: CaptureBatch = { product_key: productKey, session_id: sessionId, events };
    const { id, hash } = queueUser;
    if (id) batch.user_id = id;
    if (id && hash) batch.user_hash = hash;
    const body = JSON.stringify(batch);
    if (leaving && navigator.sendBeacon) {
      try {
        if (navigator.sendBeacon(url, new Blob([body], { type: "text/plain" }))) return Promise.resolve();
      } catch {
        // Fall through to fetch.
      }
    }
    return fetch(url, { method: "POST", body, headers: { "content-type": "text/plain" }, keepalive: body.length < 60_000, credentials: "omit" })
      .then(async (res) => {
        if (res.status >= 500 || res.status === 429) return requeue(sessionId, events);
        retryMs = FIRST_RETRY_MS;
        backingOff = false;
        if (res.status >= 400 && !warned) {
          warned = true;
          console.error(`Pilotlight capture: the server refused these events — ${await reasonOf(res)}`);
        }
      })
      .catch(() => requeue(sessionId, events));
  }

  /** Sends the queue now (the timer's path too: nothing waits longer than COALESCE_MS for a slow request). */
  function sendNow(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    backingOff = false;
    const done: Promise<void> = send(false).finally(() => {
      if (inFlight === done) inFlight = undefined;
      if (queue.length > 0 && !backingOff && !inFlight) void sendNow();
    });
    inFlight = done;
    return done;
  }

  function flush(leaving = false): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (queue.length === 0) return inFlight ?? Promise.resolve();
    if (leaving) return send(true).then(() => (queue.length ? flush(true) : undefined));
    return sendNow();
  }

  return {
    push(sessionId, event) {
      // A rotated session or another identity starts a new batch: what is queued goes out as it was.
      const who = user();
      if ((sessionId !== queueSession || who.id !== queueUser.id || who.hash !== queueUser.hash) && queue.length > 0) void flush();
      queueSession = sessionId;
      queueUser = who;
      queue.push(event);
      if (queue.length > MAX_QUEUE) queue.shift();
      if (backingOff) return;
      // Idle: the first event of a burst goes now. Busy: it rides with the next request.
      if (!inFlight || queue.length >= FLUSH_AT) void sendNow();
      else schedule(COALESCE_MS);
    },
    flush,
  };
}

/**
 * Batches events and sends them to `POST /v1/capture` as text/plain — a CORS "simple" request, so no
 * preflight — with `fetch(…, {keepalive: true})`, or `navigator.sendBeacon` when the page is going away.
 * A failed send (network, 5xx, 429) keeps the events for a later try with backoff; the server dedupes
 * on each event's timestamp, so a retry never doubles anything. Other 4xx answers are dropped.
 */
import type { CaptureBatch, RawEvent } from "../../server/contracts/capture.js";

const FLUSH_AT = 20;
const FLUSH_MS = 2000;
const MAX_PER_REQUEST = 100;
const MAX_QUEUE = 500;

export interface Transport {
  push(sessionId: string, event: RawEvent): void;
  /** Sends what is queued; with `leaving`, by beacon. Resolves when the send has finished. */
  flush(leaving?: boolean): Promise<void>;
}

export function createTransport(url: string, productKey: string, user: () => { id?: string | undefined; hash?: string | undefined }): Transport {
  let queue: RawEvent[] = [];
  let queueSession = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  let retryMs = FLUSH_MS;
  let warned = false;

  const schedule = (ms: number) => {
    if (timer === undefined) timer = setTimeout(() => void flush(), ms);
  };

  function requeue(sessionId: string, events: RawEvent[]) {
    // Events of a session that has since rotated (30 idle minutes) are not worth mixing into the new one.
    if (sessionId !== queueSession) return;
    queue = events.concat(queue).slice(-MAX_QUEUE);
    retryMs = Math.min(retryMs * 2, 60_000);
    schedule(retryMs);
  }

  function flush(leaving = false): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (queue.length === 0) return Promise.resolve();
    const sessionId = queueSession;
    const events = queue.splice(0, MAX_PER_REQUEST);
    const more = queue.length > 0;
    const batch: CaptureBatch = { product_key: productKey, session_id: sessionId, events };
    const { id, hash } = user();
    if (id) batch.user_id = id;
    if (id && hash) batch.user_hash = hash;
    const body = JSON.stringify(batch);
    const next = () => (more ? flush(leaving) : Promise.resolve());
    if (leaving && navigator.sendBeacon) {
      try {
        if (navigator.sendBeacon(url, new Blob([body], { type: "text/plain" }))) return next();
      } catch {
        // Fall through to fetch.
      }
    }
    return fetch(url, { method: "POST", body, headers: { "content-type": "text/plain" }, keepalive: body.length < 60_000, credentials: "omit" })
      .then((res) => {
        if (res.status >= 500 || res.status === 429) return requeue(sessionId, events);
        retryMs = FLUSH_MS;
        if (res.status >= 400 && !warned) {
          warned = true;
          console.warn(`Pilotlight capture: the server refused events (HTTP ${res.status}); check data-product-key and ALLOWED_ORIGINS`);
        }
      })
      .catch(() => requeue(sessionId, events))
      .then(next);
  }

  return {
    push(sessionId, event) {
      // A rotated session starts a new batch: one batch, one session.
      if (sessionId !== queueSession && queue.length > 0) void flush();
      queueSession = sessionId;
      queue.push(event);
      if (queue.length >= FLUSH_AT) void flush();
      else schedule(FLUSH_MS);
    },
    flush,
  };
}

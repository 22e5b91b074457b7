/** What the ingest-side benches send: signed, unique Autoplay payloads built before the clock starts. */
import { signPilotlight } from "../../server/ingest/push-signature.js";

export const BENCH_PUSH_SECRET = "bench-push-secret-0123456789";
export const BENCH_ADMIN_TOKEN = "bench-admin-token-0123456789";

export interface BenchRequest {
  body: string;
  headers: Record<string, string>;
}

/** Signed headers for a push-webhook body. */
export function signedPush(body: string, t = Math.floor(Date.now() / 1000)): BenchRequest {
  return { body, headers: { "content-type": "application/json", "x-pilotlight-signature": signPilotlight(BENCH_PUSH_SECRET, body, t) } };
}

/**
 * `count` unique payloads of `actionsPerPayload` actions (so every one stores something and none is a
 * duplicate), spread round-robin over `sessions` sessions.
 */
export function buildPushPayloads(count: number, actionsPerPayload: number, sessions: number): BenchRequest[] {
  const next = pushRequestSource({ actionsPerPayload, sessions });
  return Array.from({ length: count }, next);
}

/**
 * An endless source of unique signed payloads, built as they are asked for (a list big enough for a fast
 * server would not fit in memory): payload `n` goes to session `n % sessions`, or to a session of its own
 * with `sessions: "unique"`. Each costs the load generator a JSON.stringify and an HMAC, a few µs.
 */
export function pushRequestSource(o: { actionsPerPayload: number; sessions: number | "unique"; productId?: string }): () => BenchRequest {
  const start = Date.now() / 1000;
  const t = Math.floor(start);
  let n = 0;
  return () => {
    const i = n++;
    const sessionId = o.sessions === "unique" ? `bench_u${i}` : `bench_s${i % o.sessions}`;
    const actions = Array.from({ length: o.actionsPerPayload }, (_, k) => ({
      index: k,
      type: k === 0 ? "pageview" : "click",
      title: k === 0 ? "Page Load: Invoices" : `Click 'Button ${k}' button`,
      description: k === 0 ? "User landed on the invoices page" : `User clicked the Button ${k} button on the Invoices page`,
      canonical_url: "https://app.example.com/invoices/:id",
      timestamp_start: start + i * 0.001 + k * 0.0001,
    }));
    const body = JSON.stringify({ type: "actions", product_id: o.productId ?? "demo", session_id: sessionId, forwarded_at: start + i, actions });
    return signedPush(body, t);
  };
}

/** Hands out the items in order, round and round. */
export function cycle<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length]!;
}

/**
 * What an integrator needs to see while wiring Pilotlight in (the admin "Installation" panel): which page
 * origins tried to send capture events or open the widget in the last hour — allowed or refused, and why —
 * and the last event each source (push, connector, capture, PostHog) delivered or had refused.
 *
 * In-process and bounded: origins come from browsers (anyone can send any Origin), so they live in a
 * capped, least-recently-seen-first structure; sources are keyed by known products only (plus one "no
 * product" slot). With several instances, installation-relay.ts merges in what the others noted.
 */
import type { IngestSource } from "../ingest/ingest-event.js";

export type OriginChannel = "capture" | "widget";

export interface OriginSighting {
  productId: string | null;
  origin: string;
  channel: OriginChannel;
  allowed: boolean;
  /** The refusal's code (`origin_not_allowed`, `unknown_product_key`…); null when allowed. */
  code: string | null;
  reason: string | null;
}

export interface OriginSeen extends OriginSighting {
  count: number;
  firstSeenAt: number;
  lastSeenAt: number;
}

export interface SourceActivity {
  source: IngestSource;
  lastAcceptedAt: number | null;
  lastSessionId: string | null;
  lastRefusedAt: number | null;
  lastRefusalCode: string | null;
  lastRefusalReason: string | null;
}

export interface InstallationMonitor {
  noteOrigin(sighting: OriginSighting, now: number): void;
  /** Sightings another instance noted: counts add up, the first and last times widen. */
  mergeOrigin(seen: OriginSeen): void;
  /** An accepted event; one older than the last one noted (another instance's, arriving late) changes nothing. */
  noteAccepted(productId: string, source: IngestSource, sessionId: string, now: number): void;
  /** A refused event; one older than the last refusal noted changes nothing. */
  noteRefused(productId: string | null, source: IngestSource, code: string, reason: string, now: number): void;
  /** Origins seen for the product (and those that named no known product) since `since`, newest first. */
  origins(productId: string, since: number): OriginSeen[];
  sources(productId: string): SourceActivity[];
}

export const SOURCES: readonly IngestSource[] = ["push", "connector", "capture", "posthog"];
/** Distinct (product, origin, channel, verdict) entries kept; the least recently seen go first. */
export const MAX_ORIGINS = 500;
/** Products whose source activity is kept (product ids are the server's own, so this only guards the unexpected). */
const MAX_PRODUCTS = 1000;
/** Characters of a refusal reason kept. */
export const MAX_REASON = 300;

/** One entry per product, origin, channel and verdict. */
export const originKey = (s: OriginSighting): string => JSON.stringify([s.productId, s.origin, s.channel, s.allowed]);

/** Sightings of one key taken together: counts add up, the first and last times widen, the latest reason shows. */
export function combineSeen(seen: OriginSeen | undefined, s: OriginSeen): OriginSeen {
  const newer = !seen || s.lastSeenAt >= seen.lastSeenAt;
  return {
    productId: s.productId,
    origin: s.origin,
    channel: s.channel,
    allowed: s.allowed,
    code: newer ? s.code : seen.code,
    reason: newer ? (s.reason?.slice(0, MAX_REASON) ?? null) : seen.reason,
    count: (seen?.count ?? 0) + s.count,
    firstSeenAt: Math.min(seen?.firstSeenAt ?? s.firstSeenAt, s.firstSeenAt),
    lastSeenAt: Math.max(seen?.lastSeenAt ?? s.lastSeenAt, s.lastSeenAt),
  };
}

export function createInstallationMonitor(limits: { maxOrigins?: number } = {}): InstallationMonitor {
  const maxOrigins = limits.maxOrigins ?? MAX_ORIGINS;
  // A Map keeps insertion order: re-inserting on every sighting makes its first entry the least recently seen.
  const origins = new Map<string, OriginSeen>();
  const sources = new Map<string, Map<IngestSource, SourceActivity>>();

  function activity(productId: string | null, source: IngestSource): SourceActivity {
    const key = productId ?? "";
    let perSource = sources.get(key);
    if (!perSource) {
      if (sources.size >= MAX_PRODUCTS) sources.clear();
      sources.set(key, (perSource = new Map()));
    }
    let a = perSource.get(source);
    if (!a) {
      a = { source, lastAcceptedAt: null, lastSessionId: null, lastRefusedAt: null, lastRefusalCode: null, lastRefusalReason: null };
      perSource.set(source, a);
    }
    return a;
  }

  function mergeOrigin(s: OriginSeen): void {
    const key = originKey(s);
    const seen = origins.get(key);
    origins.delete(key);
    origins.set(key, combineSeen(seen, s));
    while (origins.size > maxOrigins) origins.delete(origins.keys().next().value!);
  }

  return {
    noteOrigin(s, now) {
      mergeOrigin({ ...s, count: 1, firstSeenAt: now, lastSeenAt: now });
    },
    mergeOrigin,
    noteAccepted(productId, source, sessionId, now) {
      const a = activity(productId, source);
      if (a.lastAcceptedAt !== null && now < a.lastAcceptedAt) return;
      a.lastAcceptedAt = now;
      a.lastSessionId = sessionId;
    },
    noteRefused(productId, source, code, reason, now) {
      const a = activity(productId, source);
      if (a.lastRefusedAt !== null && now < a.lastRefusedAt) return;
      a.lastRefusedAt = now;
      a.lastRefusalCode = code;
      a.lastRefusalReason = reason.slice(0, MAX_REASON);
    },
    origins(productId, since) {
      return [...origins.values()]
        .filter((o) => (o.productId === productId || o.productId === null) && o.lastSeenAt >= since)
        .sort((a, b) => b.lastSeenAt - a.lastSeenAt);
    },
    sources(productId) {
      const own = sources.get(productId);
      const none = sources.get("");
      return SOURCES.map((source) => {
        const a = own?.get(source) ?? activity(productId, source);
        const orphan = none?.get(source);
        // A refusal that named no known product (a wrong product_id or key) is shown with every product.
        return orphan?.lastRefusedAt && (a.lastRefusedAt ?? 0) < orphan.lastRefusedAt
          ? { ...a, lastRefusedAt: orphan.lastRefusedAt, lastRefusalCode: orphan.lastRefusalCode, lastRefusalReason: orphan.lastRefusalReason }
          : { ...a };
      });
    },
  };
}

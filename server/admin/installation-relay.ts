/**
 * The Installation panel across instances (server mode). Each instance notes what it saw — origins that
 * tried capture or the widget, the last event per source — in its own monitor; behind a load balancer an
 * integrator's test page reaches one instance and the admin page another, so what one saw must show on all.
 *
 * Each instance relays what it noted as deltas over the bus (`installation`), at most once a second: one
 * entry per origin key with the count added since the last relay, and the latest accepted and refused event
 * per product and source. Every other instance merges them into its own monitor (its own relays it skips by
 * instance id). A relay lost while Redis is away is gone: the panel is a diagnostic, not a record, and the next
 * sighting brings the origin back.
 *
 * Bounded like the monitor: the pending deltas hold at most MAX_ORIGINS origins (the least recently seen go
 * first) and one accepted and one refused entry per product and source.
 */
import { z } from "zod";
import type { Bus, Unsubscribe } from "../cluster/bus.js";
import type { IngestSource } from "../ingest/ingest-event.js";
import type { Logger } from "../logger.js";
import { combineSeen, MAX_ORIGINS, MAX_REASON, originKey, SOURCES, type InstallationMonitor, type OriginSeen } from "./installation-monitor.js";

const CHANNEL = "installation";
const RELAY_EVERY_MS = 1_000;
const MAX_ORIGIN_CHARS = 2048;
/** Products whose per-source entries one relay carries at most (product ids are the server's own). */
const MAX_PRODUCTS = 1_000;

const text = (max: number) => z.string().max(max);
const time = z.number().int().nonnegative();
const source = z.enum(SOURCES as [IngestSource, ...IngestSource[]]);
const origin = z.object({
  productId: text(200).nullable(),
  origin: text(MAX_ORIGIN_CHARS).min(1),
  channel: z.enum(["capture", "widget"]),
  allowed: z.boolean(),
  code: text(200).nullable(),
  reason: text(MAX_REASON).nullable(),
  count: z.number().int().positive(),
  firstSeenAt: time,
  lastSeenAt: time,
});
const accepted = z.object({ productId: text(200).min(1), source, sessionId: text(1000), at: time });
const refused = z.object({ productId: text(200).nullable(), source, code: text(200), reason: text(MAX_REASON), at: time });
const relaySchema = z.object({
  from: text(200).min(1),
  origins: z.array(origin).max(MAX_ORIGINS),
  accepted: z.array(accepted).max(MAX_PRODUCTS * SOURCES.length),
  refused: z.array(refused).max((MAX_PRODUCTS + 1) * SOURCES.length),
});
type Relay = z.infer<typeof relaySchema>;

export interface InstallationRelay extends InstallationMonitor {
  /** Resolves once this instance hears the others (or the subscription failed, logged). */
  ready: Promise<void>;
  /** Relays what is pending, then stops hearing the others. */
  close(): Promise<void>;
}

export function relayInstallation(local: InstallationMonitor, deps: { bus: Bus; instanceId: string; logger: Logger }): InstallationRelay {
  const { bus, instanceId, logger } = deps;
  const origins = new Map<string, OriginSeen>();
  const acceptedBy = new Map<string, Relay["accepted"][number]>();
  const refusedBy = new Map<string, Relay["refused"][number]>();
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: Unsubscribe | undefined;

  const ready = bus
    .subscribe(CHANNEL, relaySchema, (relay) => {
      if (relay.from === instanceId) return;
      for (const o of relay.origins) local.mergeOrigin(o);
      for (const a of relay.accepted) local.noteAccepted(a.productId, a.source, a.sessionId, a.at);
      for (const r of relay.refused) local.noteRefused(r.productId, r.source, r.code, r.reason, r.at);
    })
    .then((u) => void (unsubscribe = u))
    .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, "subscribing to installation sightings failed; the panel shows this instance's only"));

  function relay(): Promise<void> {
    timer = undefined;
    if (origins.size === 0 && acceptedBy.size === 0 && refusedBy.size === 0) return Promise.resolve();
    const message: Relay = { from: instanceId, origins: [...origins.values()], accepted: [...acceptedBy.values()], refused: [...refusedBy.values()] };
    origins.clear();
    acceptedBy.clear();
    refusedBy.clear();
    return bus.publish(CHANNEL, message).catch((err: unknown) => {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, "relaying installation sightings failed; other instances' panels miss them");
    });
  }

  function pending(): void {
    // unref: a pending relay never holds the process open.
    timer ??= setTimeout(() => void relay(), RELAY_EVERY_MS).unref();
  }

  /** Keeps the latest entry per key, with at most `max` keys (the oldest go first). */
  function keep<T>(map: Map<string, T>, key: string, entry: T, max: number): void {
    map.delete(key);
    map.set(key, entry);
    while (map.size > max) map.delete(map.keys().next().value!);
  }

  return {
    noteOrigin(sighting, now) {
      local.noteOrigin(sighting, now);
      // No real page's origin is this long (the Origin header is anyone's to fill): shown here, not relayed.
      if (sighting.origin.length > MAX_ORIGIN_CHARS) return;
      const key = originKey(sighting);
      keep(origins, key, combineSeen(origins.get(key), { ...sighting, count: 1, firstSeenAt: now, lastSeenAt: now }), MAX_ORIGINS);
      pending();
    },
    mergeOrigin: (seen) => local.mergeOrigin(seen),
    noteAccepted(productId, source, sessionId, now) {
      local.noteAccepted(productId, source, sessionId, now);
      keep(acceptedBy, `${productId}\n${source}`, { productId, source, sessionId: sessionId.slice(0, 1000), at: now }, MAX_PRODUCTS * SOURCES.length);
      pending();
    },
    noteRefused(productId, source, code, reason, now) {
      local.noteRefused(productId, source, code, reason, now);
      keep(refusedBy, `${productId ?? ""}\n${source}`, { productId, source, code: code.slice(0, 200), reason: reason.slice(0, MAX_REASON), at: now }, (MAX_PRODUCTS + 1) * SOURCES.length);
      pending();
    },
    origins: (productId, since) => local.origins(productId, since),
    sources: (productId) => local.sources(productId),
    ready,
    async close() {
      if (timer) clearTimeout(timer);
      await relay();
      await ready;
      await unsubscribe?.();
    },
  };
}

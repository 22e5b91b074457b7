/**
 * Maps one PostHog event onto a raw browser event for the shared pipeline (PROTOCOL.md §2.4):
 * `$pageview`, `$autocapture` (click/change/submit) and `$rageclick` become actions; everything else
 * (`$pageleave`, `$identify`, custom events…) is low-signal here and dropped.
 *
 * Dedupe on `uuid`: the action's timestamp is the event's, in milliseconds, plus a sub-millisecond
 * fraction derived from the uuid. A re-delivered event therefore has the same dedupe identity, while two
 * distinct events in the same millisecond on the same element stay distinct.
 */
import crypto from "node:crypto";
import type { IssueDetail } from "../../errors.js";
import { MAX_EVENT_TS_MS, type RawEvent } from "../raw-events/raw-event.schema.js";
import { chainToTarget } from "./chain-target.js";
import { parseElementsChain } from "./elements-chain.js";
import type { PosthogDelivery, PosthogEvent } from "./posthog.schema.js";

export type MappedPosthogEvent =
  | {
      kind: "action";
      sessionId: string;
      /** The distinct_id, as a label. */
      userId: string | null;
      /** The distinct_id when PostHog says the person is identified: the session's owner. */
      owner: string | null;
      email: string | null;
      event: RawEvent;
    }
  | { kind: "dropped"; reason: string }
  | { kind: "invalid"; issue: IssueDetail };

const AUTOCAPTURE_TYPES: Record<string, RawEvent["type"]> = { click: "click", change: "change", submit: "submit" };

/** Milliseconds encoded in a UUIDv7 (PostHog's event uuids), or undefined for other versions. */
export function uuidV7Millis(uuid: string): number | undefined {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/i.test(hex) || hex[12] !== "7") return undefined;
  return parseInt(hex.slice(0, 12), 16);
}

/** 0 ≤ f < 1 ms, in whole microseconds, the same for the same uuid. */
export function uuidFraction(uuid: string): number {
  return (crypto.hash("sha256", uuid, "buffer").readUInt32BE(0) % 1000) / 1000;
}

/** A plausible event time in whole ms, or undefined: far-future values would not even make a valid Date. */
const plausibleMillis = (ms: number | undefined) =>
  ms !== undefined && Number.isFinite(ms) && ms >= 1 && ms <= MAX_EVENT_TS_MS ? Math.floor(ms) : undefined;

function eventMillis(e: PosthogEvent, now: number): number {
  const t = e.timestamp;
  const parsed = typeof t === "number" ? (t < 1e11 ? t * 1000 : t) : t !== undefined ? Date.parse(t) : NaN;
  const $time = e.properties.$time === undefined ? undefined : e.properties.$time * 1000;
  return plausibleMillis(parsed) ?? plausibleMillis($time) ?? plausibleMillis(e.uuid ? uuidV7Millis(e.uuid) : undefined) ?? now;
}

function urlOf(e: PosthogEvent): string {
  const p = e.properties;
  if (p.$current_url) return p.$current_url;
  if (p.$pathname) return p.$host ? `https://${p.$host}${p.$pathname}` : p.$pathname;
  return "/";
}

/** The session key of an event without `$session_id`, for a person (distinct_id) and a UTC day. */
export type FallbackSessionKey = (distinctId: string, day: string) => string;

/**
 * Session ids are bearer secrets (PROTOCOL.md §3.3): the fallback is a keyed HMAC of the server's secret,
 * never something guessable from an email and a date.
 */
export function posthogFallbackKey(secret: string, productId: string): FallbackSessionKey {
  return (distinctId, day) => `ph_${crypto.createHmac("sha256", secret).update(`${productId}\n${distinctId}\n${day}`).digest("base64url")}`;
}

/** PostHog's own session, else one per person and UTC day so anonymous streams do not merge forever. */
function sessionOf(e: PosthogEvent, ms: number, fallbackKey: FallbackSessionKey): string | undefined {
  if (e.properties.$session_id) return e.properties.$session_id;
  if (!e.distinct_id) return undefined;
  return fallbackKey(e.distinct_id, new Date(ms).toISOString().slice(0, 10));
}

function rawTypeOf(e: PosthogEvent): { type: RawEvent["type"]; rage: boolean } | string {
  switch (e.event) {
    case "$pageview":
      return { type: "pageview", rage: false };
    case "$rageclick":
      return { type: "click", rage: true };
    case "$autocapture": {
      const named = e.properties.$event_type;
      // Own keys only: "__proto__" or "constructor" must not find Object.prototype's members.
      const type = named ? (Object.hasOwn(AUTOCAPTURE_TYPES, named) ? AUTOCAPTURE_TYPES[named] : undefined) : "click";
      return type ? { type, rage: false } : `autocapture of type ${e.properties.$event_type}`;
    }
    default:
      return `${e.event.slice(0, 100)} is not an interaction Pilotlight uses`;
  }
}

/** A string that is nothing but a template placeholder: `{event}`, `{person}`, `{event.properties.$session_id}`. */
const PLACEHOLDER = /^\{\s*[\w.$\[\]'"-]+\s*\}$/;

/** The first field left as an unsubstituted placeholder, if any: the destination's template was sent as is. */
function unsubstituted(e: PosthogDelivery["event"], path: string): IssueDetail | undefined {
  const fields: [string, unknown][] = [
    ["event", e.event],
    ["uuid", e.uuid],
    ["distinct_id", e.distinct_id],
    ["properties.$session_id", e.properties.$session_id],
    ["properties.$current_url", e.properties.$current_url],
  ];
  for (const [field, value] of fields) {
    if (typeof value !== "string" || !PLACEHOLDER.test(value.trim())) continue;
    return {
      path: `${path}.${field}`,
      message:
        `is the literal template placeholder ${JSON.stringify(value.slice(0, 100))}: PostHog sent the body template without filling it in. ` +
        `Use an HTTP Webhook destination with the JSON body {"event": "{event}", "person": "{person}"} — PostHog replaces each placeholder with the event and the person`,
    };
  }
  return undefined;
}

/**
 * `fallbackKey` names the session of an event without `$session_id`. Only an identified person (posthog-js's
 * `$is_identified`, set after `posthog.identify()`) owns a session: an anonymous distinct_id is a random
 * device id that no widget could ever verify as.
 */
export function mapPosthogEvent(delivery: PosthogDelivery, now: number, fallbackKey: FallbackSessionKey, path = "event"): MappedPosthogEvent {
  const e = delivery.event;
  const template = unsubstituted(e, path);
  if (template) return { kind: "invalid", issue: template };
  const kind = rawTypeOf(e);
  if (typeof kind === "string") return { kind: "dropped", reason: kind };
  const ms = eventMillis(e, now);
  const sessionId = sessionOf(e, ms, fallbackKey);
  if (!sessionId) {
    return { kind: "invalid", issue: { path: `${path}.properties.$session_id`, message: "the event has neither properties.$session_id nor distinct_id" } };
  }
  const chain = parseElementsChain(e.elements_chain ?? e.properties.$elements_chain);
  const target = kind.type === "pageview" ? undefined : chainToTarget(chain, e.properties.$el_text);
  const event: RawEvent = {
    type: kind.type,
    ts: ms + (e.uuid ? uuidFraction(e.uuid) : 0),
    url: urlOf(e),
    ...(e.properties.title ? { title: e.properties.title } : {}),
    ...(target ? { target } : {}),
    ...(kind.rage ? { rage: true } : {}),
  };
  const userId = e.distinct_id ?? null;
  return { kind: "action", sessionId, userId, owner: e.properties.$is_identified ? userId : null, email: delivery.person?.email ?? null, event };
}

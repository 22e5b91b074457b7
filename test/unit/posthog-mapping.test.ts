import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { mapPosthogEvent, posthogFallbackKey, uuidFraction, uuidV7Millis } from "../../server/ingest/posthog/posthog-event.js";
import { verifyPosthogSecret } from "../../server/ingest/posthog/posthog-secret.js";
import { parsePosthogBody, type PosthogDelivery } from "../../server/ingest/posthog/posthog.schema.js";
import { labelRawEvent } from "../../server/ingest/raw-events/build-payload.js";
import { fixtureJson } from "../helpers/fixtures.js";

const NOW = Date.parse("2026-11-24T12:00:00Z");
const KEY = posthogFallbackKey("test-session-key-secret", "demo");
const fixture = fixtureJson<{ event: Record<string, any>; person: unknown }>("posthog-autocapture.json");

function delivery(overrides: Record<string, unknown> = {}, properties: Record<string, unknown> = {}): PosthogDelivery {
  const body = { ...fixture, event: { ...fixture.event, ...overrides, properties: { ...fixture.event.properties, ...properties } } };
  const parsed = parsePosthogBody(body);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value[0]!;
}

function labelled(d: PosthogDelivery) {
  const mapped = mapPosthogEvent(d, NOW, KEY);
  if (mapped.kind !== "action") throw new Error(`not an action: ${JSON.stringify(mapped)}`);
  return { mapped, action: labelRawEvent(mapped.event, 0, { sessionId: mapped.sessionId, userId: mapped.userId, email: mapped.email }) };
}

describe("mapPosthogEvent", () => {
  it("maps the fixture's $autocapture click to a labelled click with session, user and email", () => {
    const { mapped, action } = labelled(delivery());
    expect(mapped).toMatchObject({ sessionId: "0193a1b2-0000-7000-8000-00000000abcd", userId: "user_42", email: "dana@example.com" });
    expect(action).toMatchObject({
      type: "click",
      title: "Click 'Export CSV' button",
      description: "User clicked the Export CSV button on the Report details page",
      canonical_url: "https://app.example.com/reports/:id",
    });
    expect(Math.floor(action.timestamp_start)).toBe(Date.parse("2026-11-24T10:00:05.000Z") / 1000);
  });

  it("maps $pageview with the page title, and change/submit autocaptures", () => {
    const page = labelled(delivery({ event: "$pageview", elements_chain: "" }, { title: "Reports · Acme", $current_url: "https://app.example.com/reports?x=1" }));
    expect(page.action).toMatchObject({ type: "pageview", title: "Page Load: Reports", canonical_url: "https://app.example.com/reports" });

    const change = labelled(delivery({ elements_chain: 'select:attr__name="date_range"attr__aria-label="Date range";form' }, { $event_type: "change" }));
    expect(change.action).toMatchObject({ type: "type", title: "Choose from 'Date range' dropdown" });

    const submit = labelled(delivery({ elements_chain: 'form:attr__id="invite-form";div' }, { $event_type: "submit", $current_url: "https://app.example.com/settings/team" }));
    expect(submit.action).toMatchObject({ type: "submit", title: "Submit 'Invite' form" });
  });

  it("maps $rageclick to a click that says it was a rage click", () => {
    const { action } = labelled(delivery({ event: "$rageclick" }));
    expect(action.title).toBe("Rage click on 'Export CSV' button");
  });

  it("drops low-signal events with a reason", () => {
    for (const name of ["$pageleave", "$identify", "$set", "$feature_flag_called", "invoice_created"]) {
      expect(mapPosthogEvent(delivery({ event: name }), NOW, KEY)).toMatchObject({ kind: "dropped" });
    }
    expect(mapPosthogEvent(delivery({}, { $event_type: "touchmove" }), NOW, KEY)).toEqual({ kind: "dropped", reason: "autocapture of type touchmove" });
  });

  it("falls back to a per-person, per-day session keyed by an HMAC, and refuses an event with no identity at all", () => {
    const { mapped } = labelled(delivery({}, { $session_id: null }));
    expect(mapped.sessionId).toBe(KEY("user_42", "2026-11-24"));
    expect(mapped.sessionId).toMatch(/^ph_[A-Za-z0-9_-]{43}$/);
    expect(mapped.sessionId).not.toContain("user_42");
    // Another day, another person, another server secret or product: another key.
    const others = [KEY("user_42", "2026-11-25"), KEY("user_43", "2026-11-24"), posthogFallbackKey("other-secret", "demo")("user_42", "2026-11-24"), posthogFallbackKey("test-session-key-secret", "shop")("user_42", "2026-11-24")];
    expect(new Set([mapped.sessionId, ...others]).size).toBe(5);
    expect(mapPosthogEvent(delivery({ distinct_id: null }, { $session_id: "" }), NOW, KEY)).toMatchObject({
      kind: "invalid",
      issue: { path: "event.properties.$session_id" },
    });
  });

  it("makes the distinct_id the owner only when the event says the person is identified", () => {
    expect(labelled(delivery()).mapped).toMatchObject({ userId: "user_42", owner: null });
    expect(labelled(delivery({}, { $is_identified: false })).mapped).toMatchObject({ owner: null });
    expect(labelled(delivery({}, { $is_identified: true })).mapped).toMatchObject({ userId: "user_42", owner: "user_42" });
    expect(labelled(delivery({}, { $is_identified: "yes" })).mapped).toMatchObject({ owner: null });
  });

  it("builds the URL from $host and $pathname when $current_url is missing", () => {
    const { action } = labelled(delivery({}, { $current_url: null, $host: "app.example.com", $pathname: "/invoices/9" }));
    expect(action.canonical_url).toBe("https://app.example.com/invoices/:id");
  });

  it("takes the time from timestamp, then $time, then the uuid (v7), then now", () => {
    const ms = (d: PosthogDelivery) => Math.floor((mapPosthogEvent(d, NOW, KEY) as { event: { ts: number } }).event.ts);
    expect(ms(delivery({ timestamp: "2026-01-02T03:04:05.678Z" }))).toBe(Date.parse("2026-01-02T03:04:05.678Z"));
    expect(ms(delivery({ timestamp: null }, { $time: 1_764_000_000.5 }))).toBe(1_764_000_000_500);
    const v7 = "0192f0c1-2a3b-7c4d-8e5f-60718293a4b5";
    expect(ms(delivery({ timestamp: "not a date", uuid: v7 }))).toBe(parseInt("0192f0c12a3b", 16));
    expect(ms(delivery({ timestamp: undefined, uuid: crypto.randomUUID() }))).toBe(NOW);
  });

  it("skips times past the year 2286 (or not even a Date) to the next source, and names the day of a person's session from it", () => {
    const mapped = (d: PosthogDelivery) => mapPosthogEvent(d, NOW, KEY) as { sessionId: string; event: { ts: number } };
    const far = mapped(delivery({ timestamp: 1e20, uuid: crypto.randomUUID() }, { $session_id: undefined, $time: 1e300 }));
    expect(Math.floor(far.event.ts)).toBe(NOW);
    expect(far.sessionId).toBe(KEY("user_42", "2026-11-24"));
    expect(Math.floor(mapped(delivery({ timestamp: "+275760-09-13T00:00:00.000Z" }, { $time: 1_764_000_000 })).event.ts)).toBe(1_764_000_000_000);
    expect(Math.floor(mapped(delivery({ timestamp: 1e-5, uuid: crypto.randomUUID() })).event.ts)).toBe(NOW);
  });
});

describe("uuid dedupe identity", () => {
  it("is stable for a uuid and differs between uuids in the same millisecond", () => {
    const a = labelled(delivery({ uuid: "0193a1b2-7c4d-7e8f-9a0b-000000000001" })).action;
    const again = labelled(delivery({ uuid: "0193a1b2-7c4d-7e8f-9a0b-000000000001" })).action;
    const b = labelled(delivery({ uuid: "0193a1b2-7c4d-7e8f-9a0b-000000000002" })).action;
    expect(again.timestamp_start).toBe(a.timestamp_start);
    expect(b.timestamp_start).not.toBe(a.timestamp_start);
    expect(Math.abs(b.timestamp_start - a.timestamp_start)).toBeLessThan(0.001);
  });

  it("spreads uuids over whole microseconds below one millisecond", () => {
    const fractions = new Set(Array.from({ length: 200 }, () => uuidFraction(crypto.randomUUID())));
    for (const f of fractions) {
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      expect(Math.round(f * 1000)).toBeCloseTo(f * 1000, 6);
    }
    expect(fractions.size).toBeGreaterThan(150);
  });

  it("reads the time of a UUIDv7 and nothing from other versions", () => {
    expect(uuidV7Millis("0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b")).toBe(parseInt("0193a1b27c4d", 16));
    expect(uuidV7Millis("3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f6a7b8")).toBeUndefined();
    expect(uuidV7Millis("nope")).toBeUndefined();
  });
});

describe("parsePosthogBody", () => {
  it("accepts the destination's wrapper, a bare event and a batch", () => {
    expect(parsePosthogBody(fixture)).toMatchObject({ ok: true, value: [{ person: { email: "dana@example.com" } }] });
    expect(parsePosthogBody(fixture.event)).toMatchObject({ ok: true, value: [{ event: { event: "$autocapture" } }] });
    expect(parsePosthogBody([fixture, fixture.event])).toMatchObject({ ok: true });
  });

  it("names what is wrong", () => {
    expect(parsePosthogBody({ nope: 1 })).toEqual({ ok: false, issues: [{ path: "event", message: "event must be an object" }] });
    expect(parsePosthogBody([fixture, { event: { event: 5 } }])).toMatchObject({
      ok: false,
      issues: [{ path: "[1].event.event", message: 'event name must be a string such as "$autocapture"' }],
    });
    expect(parsePosthogBody({ event: { event: "$pageview", properties: "x" } })).toMatchObject({ ok: false, issues: [{ path: "event.properties" }] });
    expect(parsePosthogBody(Array.from({ length: 1001 }, () => fixture))).toMatchObject({ ok: false, issues: [{ message: "at most 1000 events per request" }] });
  });

  it("treats wrongly typed optional fields as absent and cuts over-long ones", () => {
    const parsed = parsePosthogBody({ event: { event: "$pageview", distinct_id: 42, properties: { $current_url: 7, title: "t".repeat(9000) } } });
    expect(parsed).toMatchObject({ ok: true, value: [{ event: { distinct_id: "42", properties: { $current_url: undefined } } }] });
    if (parsed.ok) expect(parsed.value[0]!.event.properties.title).toHaveLength(500);
  });
});

describe("verifyPosthogSecret", () => {
  const secret = "ph-secret-0123456789abcdef";
  const body = Buffer.from('{"event":{}}');

  it("accepts the secret itself or sha256=<HMAC of the body>", () => {
    expect(() => verifyPosthogSecret(secret, body, secret)).not.toThrow();
    expect(() => verifyPosthogSecret(` ${secret} `, body, secret)).not.toThrow();
    const hmac = crypto.createHmac("sha256", secret).update(body).digest("hex");
    expect(() => verifyPosthogSecret(`sha256=${hmac}`, body, secret)).not.toThrow();
    expect(() => verifyPosthogSecret(`sha256=${hmac.toUpperCase()}`, body, secret)).not.toThrow();
  });

  it("refuses a missing header, a wrong secret and an HMAC of another body", () => {
    expect(() => verifyPosthogSecret(undefined, body, secret)).toThrow(/missing X-PostHog-Secret/);
    expect(() => verifyPosthogSecret("", body, secret)).toThrow(/missing/);
    expect(() => verifyPosthogSecret("wrong", body, secret)).toThrow(/does not match/);
    const other = crypto.createHmac("sha256", secret).update("{}").digest("hex");
    expect(() => verifyPosthogSecret(`sha256=${other}`, body, secret)).toThrow(/does not match/);
    expect(() => verifyPosthogSecret("sha256=zz", body, secret)).toThrow(/does not match/);
  });
});

import crypto from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rowCounts } from "../helpers/db-counts.js";
import { fixtureJson, fixtureText } from "../helpers/fixtures.js";
import { waitForGoal } from "../helpers/goals.js";
import { adminHeaders } from "../helpers/signing.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";

let server: TestServer;
beforeAll(async () => {
  // No background suggestions: a conversation they create later would land in a "stores nothing" snapshot.
  server = await startTestServer({ env: { SUGGESTIONS_ENABLED: "false" } });
});
afterAll(async () => {
  await server.close();
});

const SESSION = "0193a1b2-0000-7000-8000-00000000abcd";
const fixture = () => fixtureJson<{ event: Record<string, any>; person: Record<string, any> }>("posthog-autocapture.json");

/** A copy of the fixture with its own uuid and session, and any overrides. */
function delivery(session: string, overrides: Record<string, unknown> = {}, properties: Record<string, unknown> = {}) {
  const f = fixture();
  return {
    ...f,
    event: { ...f.event, uuid: crypto.randomUUID(), ...overrides, properties: { ...f.event.properties, $session_id: session, ...properties } },
  };
}

async function post(body: unknown, headers: Record<string, string> = { "x-posthog-secret": TEST_SECRETS.POSTHOG_SECRET }, query = "") {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const res = await fetch(`${server.url}/v1/webhooks/posthog${query}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: raw });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

async function context(sessionId: string) {
  const res = await fetch(`${server.url}/v1/sessions/${encodeURIComponent(sessionId)}/context`, { headers: adminHeaders });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe("POST /v1/webhooks/posthog", () => {
  it("stores the fixture's autocapture click with a good title, the person's email and PostHog's session", async () => {
    const res = await post(fixtureText("posthog-autocapture.json"));
    expect(res).toEqual({ status: 202, json: { accepted: 1, duplicates: 0, dropped: 0 } });
    const ctx = await context(SESSION);
    expect(ctx.status).toBe(200);
    expect(ctx.body).toMatchObject({ user_id: "user_42", email: "dana@example.com" });
    expect(ctx.body.recent_actions[0]).toMatchObject({
      type: "click",
      title: "Click 'Export CSV' button",
      description: "User clicked the Export CSV button on the Report details page",
      canonical_url: "https://app.example.com/reports/:id",
      raw_url: "https://app.example.com/reports/2024",
    });
    expect(await server.sql.value("SELECT source FROM actions ORDER BY id DESC LIMIT 1")).toBe("posthog");
  });

  it("stores a re-delivered uuid once (dedupe on event.uuid)", async () => {
    const body = fixtureText("posthog-autocapture.json");
    expect((await post(body)).json).toEqual({ accepted: 0, duplicates: 1, dropped: 0 });
    expect((await context(SESSION)).body.counts.actions).toBe(1);
  });

  it("keeps two distinct events in the same millisecond on the same element", async () => {
    const a = delivery("ph-same-ms");
    const b = { ...a, event: { ...a.event, uuid: crypto.randomUUID() } };
    expect((await post(a)).json.accepted).toBe(1);
    expect((await post(b)).json.accepted).toBe(1);
    expect((await post(a)).json).toMatchObject({ accepted: 0, duplicates: 1 });
    expect((await context("ph-same-ms")).body.counts.actions).toBe(2);
  });

  it("accepts sha256=<HMAC of the body> in X-PostHog-Secret", async () => {
    const body = JSON.stringify(delivery("ph-hmac"));
    const sig = crypto.createHmac("sha256", TEST_SECRETS.POSTHOG_SECRET).update(body).digest("hex");
    expect((await post(body, { "x-posthog-secret": `sha256=${sig}` })).status).toBe(202);
    expect((await context("ph-hmac")).body.counts.actions).toBe(1);
  });

  it("accepts low-signal events and drops them, storing nothing", async () => {
    const before = await rowCounts(server.sql);
    for (const name of ["$pageleave", "$identify"]) {
      expect(await post(delivery("ph-low", { event: name }))).toEqual({ status: 202, json: { accepted: 0, duplicates: 0, dropped: 1 } });
    }
    expect(await rowCounts(server.sql)).toEqual(before);
    expect((await context("ph-low")).status).toBe(404);
  });

  it("maps a rage click: the clicks plus one $rageclick", async () => {
    const clicks = [1, 2, 3].map((i) => delivery("ph-rage", { timestamp: `2026-11-24T10:00:0${i}.000Z` }));
    const rage = delivery("ph-rage", { event: "$rageclick", timestamp: "2026-11-24T10:00:03.100Z" });
    expect((await post([...clicks, rage])).json).toEqual({ accepted: 4, duplicates: 0, dropped: 0 });
    const titles = (await context("ph-rage")).body.recent_actions.map((a: any) => a.title);
    expect(titles).toEqual(["Click 'Export CSV' button", "Click 'Export CSV' button", "Click 'Export CSV' button", "Rage click on 'Export CSV' button"]);
  });

  it("refuses the destination's body template sent unfilled ({\"event\":\"{event}\"}) with a 422 naming it, storing nothing", async () => {
    const before = await rowCounts(server.sql);
    for (const body of ['{"event":"{event}"}', '{"event":"{event}","person":"{person}"}', { event: { event: "$pageview", uuid: "u1", distinct_id: "{event.distinct_id}", properties: {} } }]) {
      const res = await post(typeof body === "string" ? JSON.parse(body) : body);
      expect(res.status).toBe(422);
      expect(res.json.error.message).toMatch(/literal template placeholder .*PostHog sent the body template without filling it in/);
      expect(res.json.error.issues[0].path).toMatch(/^event\.(event|distinct_id)$/);
    }
    expect(await rowCounts(server.sql)).toEqual(before);
  });

  it("takes a batch across sessions, with pageviews, changes, submits and dropped events", async () => {
    const res = await post([
      delivery("ph-batch-a", { event: "$pageview", elements_chain: "" }, { $current_url: "https://app.example.com/settings/team", title: "Team · Acme" }),
      delivery("ph-batch-a", { elements_chain: 'input:attr__type="email"attr__name="email";label:text="Email";form:attr__id="invite-form"' }, { $event_type: "change", $current_url: "https://app.example.com/settings/team" }),
      delivery("ph-batch-b", { event: "$pageleave" }),
      delivery("ph-batch-b", { elements_chain: 'form:attr__id="invite-form"' }, { $event_type: "submit", $current_url: "https://app.example.com/settings/team" }),
    ]);
    expect(res.json).toEqual({ accepted: 3, duplicates: 0, dropped: 1 });
    await waitForGoal(server, "ph-batch-a", "Invite a teammate");
    const a = (await context("ph-batch-a")).body;
    expect(a.recent_actions.map((x: any) => x.title)).toEqual(["Page Load: Team", "Type in 'Email' field"]);
    expect(a).toMatchObject({ goal: "Invite a teammate", goal_source: "workflow" });
    expect((await context("ph-batch-b")).body.recent_actions[0]).toMatchObject({ type: "submit", title: "Submit 'Invite' form" });
  });

  it("reads the chain from properties.$elements_chain when the top-level one is absent", async () => {
    const d = delivery("ph-legacy", { elements_chain: undefined }, { $elements_chain: 'a:href="/invoices"text="Invoices"' });
    expect((await post(d)).json.accepted).toBe(1);
    expect((await context("ph-legacy")).body.recent_actions[0].title).toBe("Click 'Invoices' link");
  });

  it("picks the product from ?product_id=", async () => {
    const other = { ...server.instance.defaultProduct, id: "shop", productKey: "pk_shop_0123456789", posthogSecret: "shop-posthog-secret-0123456789" };
    await server.repos.products.save(other);
    const body = delivery("ph-shop");
    expect((await post(body, { "x-posthog-secret": TEST_SECRETS.POSTHOG_SECRET }, "?product_id=shop")).status).toBe(401);
    expect((await post(body, { "x-posthog-secret": other.posthogSecret }, "?product_id=shop")).status).toBe(202);
    const res = await fetch(`${server.url}/v1/sessions/ph-shop/context?product_id=shop`, { headers: adminHeaders });
    expect(res.status).toBe(200);
  });

  describe("refuses bad input with a clear 4xx and stores nothing", () => {
    let before: Record<string, number>;
    beforeEach(async () => {
      before = await rowCounts(server.sql);
    });
    const good = () => delivery("ph-bad");

    const cases: [string, () => ReturnType<typeof post>, number, RegExp][] = [
      ["a wrong secret", () => post(good(), { "x-posthog-secret": "not-the-secret" }), 401, /does not match/],
      ["a missing secret", () => post(good(), {}), 401, /missing X-PostHog-Secret/],
      ["an HMAC of another body", () => post(good(), { "x-posthog-secret": `sha256=${crypto.createHmac("sha256", TEST_SECRETS.POSTHOG_SECRET).update("{}").digest("hex")}` }), 401, /does not match/],
      ["malformed JSON", () => post('{"event":'), 400, /not valid JSON/],
      ["an unknown product", () => post(good(), undefined, "?product_id=nope"), 404, /unknown product "nope"/],
      ["a body that is not an event", () => post({ hello: "world" }), 422, /event: event must be an object/],
      ["an event without a name", () => post({ event: { uuid: "x", properties: {} } }), 422, /event\.event: event name must be a string/],
      ["an event nobody can attribute to a session", () => post(delivery("", { distinct_id: null }, { $session_id: null })), 422, /neither properties\.\$session_id nor distinct_id/],
      ["a batch with one bad event", () => post([good(), { event: { event: 7 } }]), 422, /\[1\]\.event\.event/],
    ];
    for (const [name, send, status, message] of cases) {
      it(`${name} → ${status}`, async () => {
        const res = await send();
        expect(res.status).toBe(status);
        expect(res.json.error.message).toMatch(message);
        expect(await rowCounts(server.sql)).toEqual(before);
      });
    }

    it("a non-JSON content type → 415", async () => {
      const res = await fetch(`${server.url}/v1/webhooks/posthog`, { method: "POST", headers: { "content-type": "text/plain", "x-posthog-secret": TEST_SECRETS.POSTHOG_SECRET }, body: JSON.stringify(good()) });
      expect(res.status).toBe(415);
      expect(await rowCounts(server.sql)).toEqual(before);
    });

    it("a body over MAX_BODY_BYTES → 413", async () => {
      const res = await post({ ...good(), pad: "x".repeat(1024 * 1024) });
      expect(res.status).toBe(413);
      expect(res.json.error.code).toBe("payload_too_large");
      expect(await rowCounts(server.sql)).toEqual(before);
    });
  });
});

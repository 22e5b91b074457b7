/**
 * The admin JSON endpoints' edges and live sessions: bearer auth, strict query validation, product scoping,
 * and sessions built from real pushes (goal, current page, the context text, the linked conversation).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminSessionsResponse } from "../../server/contracts/admin.js";
import { createManualClock } from "../helpers/clock.js";
import { rowCounts } from "../helpers/db-counts.js";
import { waitForGoal } from "../helpers/goals.js";
import { adminHeaders, pushEvent } from "../helpers/signing.js";
import { pushActions } from "../helpers/suggestions.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { command, connectWidget, expectOk, nextEvent } from "../helpers/widget-client.js";

const ENDPOINTS = ["/v1/admin/sessions", "/v1/admin/suggestions", "/v1/admin/stats"] as const;
const clock = createManualClock();
let server: TestServer;

const get = async <T = Record<string, any>>(path: string, headers: Record<string, string> = adminHeaders) => {
  const res = await fetch(`${server.url}${path}`, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
};
const sessions = async (query = "") => (await get<AdminSessionsResponse>(`/v1/admin/sessions${query}`)).body;

beforeAll(async () => {
  // No proactive suggestions here: sessions are the subject (admin-suggestions.test.ts covers the rest).
  server = await startTestServer({ clock, env: { SUGGESTIONS_ENABLED: "false" } });
  const demo = (await server.repos.products.findById("demo"))!;
  await server.repos.products.save({ ...demo, id: "other", productKey: "pk_other_0123456789" });
});
afterAll(async () => {
  await server?.close();
});

describe("admin endpoints: auth and queries", () => {
  it.each(ENDPOINTS)("%s answers 401 without the admin token or with a wrong one", async (path) => {
    const missing = await get(path, {});
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatchObject({ code: "missing_token", message: "send Authorization: Bearer <ADMIN_TOKEN>" });
    const wrong = await get(path, { authorization: "Bearer not-the-admin-token" });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("bad_token");
  });

  it.each([
    ["/v1/admin/sessions?limit=0", "limit", "must be at least 1"],
    ["/v1/admin/sessions?limit=abc", "limit", "must be a whole number"],
    ["/v1/admin/sessions?limit=1&limit=2", "limit", "must be given once, as a whole number"],
    ["/v1/admin/sessions?active_within_ms=-5", "active_within_ms", "must be a whole number"],
    ["/v1/admin/sessions?limt=5", "(query)", 'Unrecognized key: "limt"'],
    ["/v1/admin/suggestions?limit=201", "limit", "must be at most 200"],
    ["/v1/admin/suggestions?product_id=a%20b", "product_id", "must be 1–64 letters, digits, '_' or '-'"],
    ["/v1/admin/stats?minutes=0", "minutes", "must be at least 1"],
    ["/v1/admin/stats?minutes=1440&bucket_s=1", "bucket_s", "minutes=1440 with bucket_s=1 makes 86400 buckets; at most 1440 (use a larger bucket_s)"],
  ])("%s is a 422 naming %s", async (path, field, message) => {
    const before = await rowCounts(server.sql);
    const res = await get(path);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("invalid_query");
    expect(res.body.error.message).toContain(`${field}: ${message}`);
    expect(res.body.error.issues).toContainEqual({ path: field, message });
    expect(await rowCounts(server.sql)).toEqual(before);
  });

  it.each(ENDPOINTS)("%s answers 404 for a product that does not exist", async (path) => {
    const res = await get(`${path}?product_id=nope`);
    expect(res.status).toBe(404);
    expect(res.body.error).toEqual({ code: "unknown_product", message: 'no product "nope"' });
  });

  it("marks answers as not cacheable", async () => {
    const res = await get("/v1/admin/sessions");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });
});

describe("GET /v1/admin/sessions", () => {
  it("lists recently active sessions, newest activity first, with goal, current page, context text and conversation", async () => {
    const start = clock.now();
    await pushActions(server.url, "adm-old", [{ url: "/reports", title: "Page Load: Reports" }], clock.now());
    clock.advance(2 * 3_600_000);
    await pushActions(server.url, "adm-team", [
      { url: "https://acme.test/dashboard", title: "Page Load: Dashboard" },
      { url: "https://acme.test/settings/team", title: "Page Load: Team", description: "User opened the team settings" },
    ], clock.now());
    clock.advance(1_000);
    await pushActions(server.url, "adm-new", [{ type: "click", url: "/invoices", title: "Click 'New invoice' button", description: "User clicked New invoice" }], clock.now());
    await waitForGoal(server, "adm-team", "Invite a teammate");

    const body = await sessions();
    expect(body.product_id).toBe("demo");
    expect(body.now).toBe(new Date(clock.now()).toISOString());
    // adm-old was last seen 2 hours ago: outside the default hour.
    expect(body.sessions.map((s) => s.session_id)).toEqual(["adm-new", "adm-team"]);
    const team = body.sessions[1]!;
    expect(team).toMatchObject({
      user_id: null,
      owner_id: null,
      goal: "Invite a teammate",
      goal_source: "workflow",
      action_count: 2,
      first_seen_at: new Date(start + 2 * 3_600_000).toISOString(),
      last_seen_at: new Date(start + 2 * 3_600_000).toISOString(),
      current_page: { url: "https://acme.test/settings/team", title: "Page Load: Team", type: "pageview", at: new Date(start + 2 * 3_600_000).toISOString() },
      summary: null,
      conversation_id: null,
    });
    // The same text the context endpoint (and the copilot) works from.
    const context = await get("/v1/sessions/adm-team/context");
    expect(team.text).toBe(context.body.text);
    expect(team.text).toBe(
      "Session adm-team — 2 actions\n[0] pageview: Page Load: Dashboard — https://acme.test/dashboard\n[1] pageview: User opened the team settings — https://acme.test/settings/team",
    );

    expect((await sessions("?active_within_ms=10800000")).sessions.map((s) => s.session_id)).toEqual(["adm-new", "adm-team", "adm-old"]);
    expect((await sessions("?active_within_ms=10800000&limit=1")).sessions.map((s) => s.session_id)).toEqual(["adm-new"]);
  });

  it("names the conversation a session is linked to once the user chats", async () => {
    await pushActions(server.url, "adm-chat", [{ url: "/reports" }], clock.now());
    const socket = await connectWidget(server.url, { sessionId: "adm-chat" });
    const linked = nextEvent(socket, "conversation:linked");
    expectOk(await command(socket, "message:send", { clientMessageId: "adm-chat-1", text: "where are my reports?" }));
    const { conversationId } = await linked;
    socket.close();
    const chat = (await sessions()).sessions.find((s) => s.session_id === "adm-chat")!;
    expect(chat.conversation_id).toBe(conversationId);
  });

  it("shows only the product asked for", async () => {
    const res = await pushEvent(server.url, { type: "actions", product_id: "other", session_id: "adm-other", actions: [{ title: "t", description: "d", canonical_url: "/x", timestamp_start: 1 }] }, "connector");
    expect(res.status).toBe(202);
    const other = await sessions("?product_id=other");
    expect(other.product_id).toBe("other");
    expect(other.sessions.map((s) => s.session_id)).toEqual(["adm-other"]);
    expect((await sessions()).sessions.map((s) => s.session_id)).not.toContain("adm-other");
  });
});

describe("GET /v1/admin/search", () => {
  it("folds the case of every letter, not only ASCII ones, in the query and in what it searches", async () => {
    for (const [sessionId, text] of [["adm-fold-de", "Übersicht öffnen"], ["adm-fold-fr", "écran de démarrage"]] as const) {
      const socket = await connectWidget(server.url, { sessionId });
      expectOk(await command(socket, "message:send", { clientMessageId: `${sessionId}-1`, text }));
      socket.close();
    }
    const search = async (q: string) => {
      const found = await get<{ messages: { role: string; text: string }[] }>(`/v1/admin/search?q=${encodeURIComponent(q)}`);
      expect(found.status).toBe(200);
      return found.body.messages.filter((m) => m.role === "user").map((m) => m.text);
    };
    expect(await search("übersicht")).toEqual(["Übersicht öffnen"]);
    expect(await search("ÜBERSICHT ÖFFNEN")).toEqual(["Übersicht öffnen"]);
    expect(await search("ÉCRAN")).toEqual(["écran de démarrage"]);
    expect(await search("DÉMARRAGE")).toEqual(["écran de démarrage"]);
    // Still a plain substring: no LIKE wildcards.
    expect(await search("%cran")).toEqual([]);
  });
});

/**
 * The /admin page in real Chromium against the real app: the token form (a wrong token is refused with a
 * clear message), live sessions with goal and context text, suggestions with outcomes and skip reasons, both
 * SVG charts drawn from /v1/admin/stats (one mark per non-empty value), auto-refresh that keeps an opened
 * context open, and hostile page text rendered as text. The server's clock is frozen, so the data the page
 * shows is the data this test reads from the API.
 */
import fs from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminLiftResponse, AdminSessionsResponse, AdminStatsResponse, AdminSuggestionsResponse } from "../../server/contracts/admin.js";
import { launchChromium } from "../helpers/browser.js";
import { createManualClock } from "../helpers/clock.js";
import { waitForGoal } from "../helpers/goals.js";
import { adminHeaders } from "../helpers/signing.js";
import { connectAndSuggest, pushActions, recordDecisions } from "../helpers/suggestions.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { command, expectOk, type WidgetClient } from "../helpers/widget-client.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ARTIFACTS = path.join(ROOT, "artifacts", "e2e");
const XSS = `<img src=x onerror="window.__xss=1">`;
const MINUTE = 60_000;
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE + 45_000;
const clock = createManualClock(T0 - 10 * MINUTE);

let server: TestServer;
let browser: Browser;
const sockets: WidgetClient[] = [];

async function api<T>(p: string): Promise<T> {
  const res = await fetch(`${server.url}${p}`, { headers: adminHeaders });
  return (await res.json()) as T;
}

/** A widget for the session, a push to the team page, and the suggestion the rules model delivers to it. */
async function deliverTo(sessionId: string) {
  const delivered = await connectAndSuggest(server, sessionId, clock.now());
  sockets.push(delivered.socket);
  return delivered;
}

async function signIn(page: Page, token: string) {
  await page.locator("#admin-token").fill(token);
  await page.locator("#admin-token").press("Enter");
}

beforeAll(async () => {
  // No demo: the default product gets the example workflows from WORKFLOWS_PATH, as an operator would give its own.
  server = await startTestServer({ clock, env: { SUGGEST_DEBOUNCE_MS: "0", SUGGEST_MAX_WAIT_MS: "0", DWELL_MS: "3600000", DEMO_ENABLED: "false", WORKFLOWS_PATH: "workflows.example.json" } });
  const decisions = recordDecisions(server.suggestions);
  // Ten minutes of history, oldest first (the clock only moves forward, as a real one does).
  await pushActions(server.url, "e2e-early", [{ url: "/dashboard" }, { url: "/help" }], clock.now());
  clock.advance(6 * MINUTE);
  await pushActions(server.url, "e2e-xss", [{ type: "click", url: "https://acme.test/notes", title: `Click '${XSS}'`, description: `User clicked ${XSS} on the notes page` }], clock.now());
  clock.advance(2 * MINUTE);
  await deliverTo("e2e-ignored"); // never answered: ignored two minutes later
  clock.advance(MINUTE);
  const dismissed = await deliverTo("e2e-dismissed");
  expectOk(await command(dismissed.socket, "suggestion:feedback", { suggestionId: dismissed.suggestion.id, verdict: "dismissed" }));
  clock.advance(MINUTE);
  const accepted = await deliverTo("e2e-team");
  expectOk(await command(accepted.socket, "suggestion:feedback", { suggestionId: accepted.suggestion.id, verdict: "accepted" }));
  // Accepting engages the user: the next activity is held back with reason "reactive".
  const skipped = decisions.next({ sessionId: "e2e-team", reason: "reactive" });
  await pushActions(server.url, "e2e-team", [{ type: "type", url: "https://acme.test/settings/team", title: "Type in 'Name' field" }], clock.now());
  await skipped;
  await waitForGoal(server, "e2e-team", "Invite a teammate");
  browser = await launchChromium();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await browser?.close();
  await server?.close();
});

describe("/admin in Chromium", () => {
  it("refuses a wrong token, then shows sessions, suggestions and charts for the right one", async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const pageErrors: Error[] = [];
    page.on("pageerror", (e) => pageErrors.push(e));
    await page.goto(`${server.url}/admin`);

    await signIn(page, "not-the-admin-token");
    await page.locator("#login-error").filter({ hasText: "not accepted" }).waitFor();
    expect(await page.locator("#login-error").textContent()).toBe("That admin token was not accepted: the bearer token is not the ADMIN_TOKEN.");
    expect(await page.locator("#dashboard").isHidden()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem("pilotlight:admin-token"))).toBeNull();

    await signIn(page, TEST_SECRETS.ADMIN_TOKEN);
    await page.locator("#dashboard").waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("pilotlight:admin-token"))).toBe(TEST_SECRETS.ADMIN_TOKEN);

    // Live sessions: newest activity first, with goal, current page and the context text behind a disclosure.
    const sessions = await api<AdminSessionsResponse>("/v1/admin/sessions?limit=30");
    const ids = await page.locator("#sessions > li").evaluateAll((els) => els.map((e) => e.getAttribute("data-session-id")));
    expect(ids).toEqual(sessions.sessions.map((s) => s.session_id));
    const team = page.locator('[data-session-id="e2e-team"]');
    expect(await team.locator(".goal").textContent()).toBe("Invite a teammate");
    expect(await team.locator(".tag").textContent()).toBe("workflow");
    expect(await team.locator(".page").textContent()).toBe("Type in 'Name' field — https://acme.test/settings/team");
    expect(await team.locator(".context-text").isVisible()).toBe(false);
    await team.locator("summary").focus();
    await page.keyboard.press("Enter");
    expect(await team.locator(".context-text").isVisible()).toBe(true);
    expect(await team.locator(".context-text").textContent()).toBe(sessions.sessions.find((s) => s.session_id === "e2e-team")!.text);

    // Suggestions: outcome per suggestion, and the skip with its reason code.
    const feed = await api<AdminSuggestionsResponse>("/v1/admin/suggestions?limit=30");
    for (const s of feed.suggestions) {
      const row = page.locator(`[data-suggestion-id="${s.id}"]`);
      expect(await row.locator(".outcome").textContent()).toBe(s.outcome);
      expect(await row.locator(".text").textContent()).toContain(s.text);
    }
    expect(feed.suggestions[0]!.text).toContain("Type your teammate's email address.");
    expect(feed.suggestions.map((s) => [s.session_id, s.outcome])).toEqual([
      ["e2e-team", "accepted"],
      ["e2e-dismissed", "dismissed"],
      ["e2e-ignored", "ignored"],
    ]);
    expect(await page.locator("#skips tbody tr").first().locator(".reason").textContent()).toBe("reactive");
    // The rules behind each decision (user memory, triggers, precision): here, an anonymous session's scope.
    const rules = await page.locator("#skips tbody tr").first().locator(".rules li").allTextContents();
    expect(rules).toEqual(feed.skips[0]!.rules.map((r) => `${r.code} ${r.detail}`));
    expect(rules).toContain("scope this session only (no verified user)");

    // Measured lift: per trigger, what the page was given.
    const lift = await api<AdminLiftResponse>("/v1/admin/stats/lift?days=30");
    const step = lift.triggers.find((t) => t.trigger === "workflow_step")!;
    expect(step.shown).toBe(3);
    const liftRow = page.locator('#lift-triggers [data-trigger="workflow_step"] td');
    expect(await liftRow.nth(1).textContent()).toBe("3");
    expect(await liftRow.nth(4).textContent()).toBe(`33 % (1)`);

    // Charts: one mark per non-empty value of the data the page was given.
    const stats = await api<AdminStatsResponse>("/v1/admin/stats?minutes=60&bucket_s=60");
    const marks = (chart: string, series: string) =>
      page.locator(`#${chart} svg .mark[data-series="${series}"]`).evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-bucket"))));
    const nonEmpty = (pick: (b: AdminStatsResponse["buckets"][number]) => number) => stats.buckets.flatMap((b, i) => (pick(b) > 0 ? [i] : []));
    expect(await marks("ingest-chart", "actions")).toEqual(nonEmpty((b) => b.actions));
    expect((await marks("ingest-chart", "actions")).length).toBe(5);
    for (const series of ["accepted", "dismissed", "ignored"] as const) {
      expect(await marks("acceptance-chart", series)).toEqual(nonEmpty((b) => b[series]));
      expect((await marks("acceptance-chart", series)).length).toBe(1);
    }
    expect(await marks("acceptance-chart", "acceptance_rate")).toEqual(stats.buckets.flatMap((b, i) => (b.acceptance_rate === null ? [] : [i])));
    expect(await page.locator("#ingest-chart svg").getAttribute("aria-label")).toContain(`${stats.totals.actions} actions ingested in the last 60 minutes`);

    // Hostile text from a user's browser is shown as text and runs nothing.
    const xss = page.locator('[data-session-id="e2e-xss"]');
    expect(await xss.locator(".page").textContent()).toBe(`Click '${XSS}' — https://acme.test/notes`);
    expect(await xss.locator(".context-text").textContent()).toContain(`User clicked ${XSS} on the notes page`);
    expect(await page.locator("#dashboard img").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

    await page.screenshot({ path: path.join(ARTIFACTS, "admin.png"), fullPage: true });

    // Auto-refresh: a new session appears without a reload, and the opened context stays open and focused.
    await pushActions(server.url, "e2e-late", [{ url: "/reports" }], clock.now());
    await page.locator('[data-session-id="e2e-late"]').waitFor({ timeout: 15_000 });
    expect(await team.locator("details").evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    expect(await team.locator("summary").evaluate((s) => document.activeElement === s)).toBe(true);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("keeps the token for the tab across a reload, and signs out", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/admin`);
    await signIn(page, TEST_SECRETS.ADMIN_TOKEN);
    await page.locator("#dashboard").waitFor();
    await page.reload();
    await page.locator("#dashboard").waitFor();
    expect(await page.locator("form.login").isHidden()).toBe(true);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.locator("#admin-token").waitFor();
    expect(await page.locator("#dashboard").isHidden()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem("pilotlight:admin-token"))).toBeNull();
    await page.close();
  });
});

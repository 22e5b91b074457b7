/**
 * Identity and session binding in real Chromium (PROTOCOL.md §3.3):
 * (a) one tab, several people: switching users with `update`, signing out with `update({})`, and `shutdown`
 *     then `boot` each leave nothing of the previous person's thread, session or stored conversation;
 * (b) a widget on another origin bound to a PostHog session (posthog-js on the page, or `data-session-id`)
 *     receives the suggestion that session's events bring;
 * (c) a verified user's widget that names no session receives the suggestion for a push keyed by another
 *     session of that user.
 */
import crypto from "node:crypto";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, launchForBundle } from "../helpers/browser.js";
import { pushEvent } from "../helpers/signing.js";
import { deliverTestSuggestion } from "../helpers/suggestions.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";
import { userHash } from "../helpers/widget-client.js";

const FAST = { SUGGEST_DEBOUNCE_MS: "100", SUGGEST_MAX_WAIT_MS: "500" };
const TEAM_HINT = "Type your teammate's email address.";

let browser: Browser;
beforeAll(async () => {
  browser = await launchForBundle("widget");
});
afterAll(async () => {
  await browser?.close();
});

const widget = (page: Page, selector: string) => page.locator(`pilotlight-widget ${selector}`);

/** Records the widget's window events from the first script on. */
async function recordEvents(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __events: { name: string; detail: unknown }[] };
    w.__events = [];
    for (const name of ["ready", "suggestion", "linked", "status"]) {
      window.addEventListener(`pilotlight:${name}`, (e) => w.__events.push({ name, detail: (e as CustomEvent).detail }));
    }
  });
}

const readyCount = (page: Page) => page.evaluate(() => (window as unknown as { __events: { name: string }[] }).__events.filter((e) => e.name === "ready").length);
const lastReady = (page: Page) =>
  page.evaluate(() => (window as unknown as { __events: { name: string; detail: { sessionId?: string } }[] }).__events.filter((e) => e.name === "ready").at(-1)?.detail);

/** Runs a widget command and waits until the widget is online again after it. */
async function command(page: Page, ...args: unknown[]): Promise<void> {
  const before = await readyCount(page);
  await page.evaluate((a) => (window as unknown as { Pilotlight: (...x: unknown[]) => void }).Pilotlight(...a), args);
  await waitFor(async () => (await readyCount(page)) > before, `the widget to be online again after ${String(args[0])}`);
}

/** Asks a question and waits for its reply: afterwards the thread shows everything the widget was given. */
async function ask(page: Page, text: string): Promise<void> {
  await page.evaluate(() => (window as unknown as { Pilotlight: (c: string) => void }).Pilotlight("open"));
  const replies = await widget(page, ".pl-assistant:not(.pl-draft)").count();
  await widget(page, "textarea").fill(text);
  await widget(page, "textarea").press("Enter");
  await waitFor(async () => (await widget(page, ".pl-assistant:not(.pl-draft)").count()) > replies, `the reply to ${JSON.stringify(text)}`, 15_000);
}

const thread = (page: Page) => widget(page, ".pl-msg").allTextContents();

/** Clicks through the demo's nav and flushes capture.js: resolves with the batch it sent. */
async function captured(page: Page, link: string): Promise<{ session_id: string; user_id?: string; user_hash?: string }> {
  const sent = page.waitForRequest((r) => r.url().endsWith("/v1/capture") && (r.postData() ?? "").includes(link));
  await page.locator(`nav >> text=${link}`).click();
  await page.evaluate(() => (window as unknown as { PilotlightCapture: { flush(): Promise<void> } }).PilotlightCapture.flush());
  return JSON.parse((await sent).postData()!) as { session_id: string; user_id?: string; user_hash?: string };
}
const captureSession = (page: Page) => page.evaluate(() => (window as unknown as { PilotlightCapture: { sessionId(): string } }).PilotlightCapture.sessionId());
const storedConversation = (page: Page) => page.evaluate(() => Object.entries(localStorage).find(([k]) => k.startsWith("pilotlight:conversation:"))?.[1] ?? null);

describe("(a) one tab, several people", () => {
  let server: TestServer;
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    server = await startTestServer({ env: { ...FAST, SUGGESTIONS_ENABLED: "false" } });
    context = await browser.newContext();
    page = await context.newPage();
    await recordEvents(page);
    await page.goto(`${server.url}/`);
    await waitFor(async () => (await readyCount(page)) > 0, "the widget to be ready");
  });
  afterAll(async () => {
    await context?.close();
    await server?.close();
  });

  const conversationOf = async (sessionId: string) => (await server.repos.conversations.linkOf((await server.repos.sessions.idByKey("demo", sessionId))!))?.conversationId;

  it("signing in keeps the visitor's thread; switching to another user shows nothing of it", async () => {
    const anonymousSession = await captureSession(page);
    await ask(page, "visitor question");
    await command(page, "update", { userId: "alice", userHash: userHash("alice") });
    await ask(page, "alice private question");
    expect(await captureSession(page)).toBe(anonymousSession); // signing in is not a new person
    // capture.js follows the widget's identity: verified, so the session is alice's from either side.
    expect(await captured(page, "Reports")).toMatchObject({ session_id: anonymousSession, user_id: "alice", user_hash: userHash("alice") });
    expect((await thread(page)).join("\n")).toContain("visitor question");
    const aliceConversation = (await conversationOf(anonymousSession))!;
    expect((await server.repos.conversations.findById(aliceConversation))?.userId).toBe("alice");
    // An unsent draft and a suggestion on screen: neither may outlive alice.
    await widget(page, "textarea").fill("alice unsent draft");
    await page.evaluate(() => (window as unknown as { Pilotlight: (c: string) => void }).Pilotlight("close"));
    await deliverTestSuggestion(server, anonymousSession, "A hint for alice only.");
    await widget(page, ".pl-preview p").waitFor();

    await command(page, "update", { userId: "bob", userHash: userHash("bob") });
    expect(await thread(page)).toEqual([]);
    expect(await widget(page, ".pl-preview").isHidden()).toBe(true);
    expect(await widget(page, "textarea").inputValue()).toBe("");
    const bobSession = await captureSession(page);
    expect(bobSession).not.toBe(anonymousSession);
    expect(bobSession).toMatch(/^ps_[0-9a-f]{32}$/);
    expect(await storedConversation(page)).toBeNull();
    expect(await captured(page, "Dashboard")).toMatchObject({ session_id: bobSession, user_id: "bob" });
    await ask(page, "bob question");
    const shown = (await thread(page)).join("\n");
    expect(shown).toContain("bob question");
    expect(shown).not.toContain("alice private question");
    expect(shown).not.toContain("visitor question");
    expect(await conversationOf(bobSession)).not.toBe(aliceConversation);
    await page.screenshot({ path: path.join(ARTIFACTS, "identity-switch-user.png") });
  });

  it("update({}) signs out: the next person sees nothing of the previous thread, even after a reload", async () => {
    const bobSession = await captureSession(page);
    await command(page, "update", {});
    expect(await thread(page)).toEqual([]);
    expect(await captureSession(page)).not.toBe(bobSession);
    const anonymous = await captured(page, "Team");
    expect(anonymous.session_id).not.toBe(bobSession);
    expect(anonymous.user_id).toBeUndefined();
    await page.reload();
    await waitFor(async () => (await readyCount(page)) > 0, "the widget to be ready after the reload");
    await ask(page, "anonymous after sign-out");
    const shown = (await thread(page)).join("\n");
    expect(shown).toContain("anonymous after sign-out");
    expect(shown).not.toContain("bob question");
  });

  it("shutdown then boot starts afresh", async () => {
    const before = await captureSession(page);
    await page.evaluate(() => (window as unknown as { Pilotlight: (c: string) => void }).Pilotlight("shutdown"));
    expect(await widget(page, ".pl-launcher").count()).toBe(0);
    expect(await storedConversation(page)).toBeNull();
    await command(page, "boot");
    expect(await captureSession(page)).not.toBe(before);
    await ask(page, "next visitor");
    const shown = (await thread(page)).join("\n");
    expect(shown).toContain("next visitor");
    expect(shown).not.toContain("anonymous after sign-out");
    await page.screenshot({ path: path.join(ARTIFACTS, "identity-after-shutdown.png") });
  });
});

describe("widgets on another origin bound to a source's sessions", () => {
  let site: http.Server;
  let siteOrigin: string;
  let server: TestServer;
  const pages = new Map<string, string>();

  beforeAll(async () => {
    site = http.createServer((req, res) => {
      const body = pages.get(new URL(req.url ?? "/", "http://x").pathname);
      res.writeHead(body ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
      res.end(body ?? "not found");
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    // localhost vs the API's 127.0.0.1: another origin, allowed by the product.
    siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
    server = await startTestServer({ env: { ...FAST, ALLOWED_ORIGINS: siteOrigin } });
  });
  afterAll(async () => {
    await server?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  /** A page of the other origin with the widget from the API's origin; `head` runs before it. */
  function page(pathname: string, head: string, attributes = ""): string {
    pages.set(
      pathname,
      `<!doctype html><html><head><meta charset="utf-8"><title>Acme</title>${head}
<script src="${server.url}/widget.js" data-product-key="${TEST_SECRETS.PRODUCT_KEY}" ${attributes} async></script></head>
<body><h1>Team</h1></body></html>`,
    );
    return `${siteOrigin}${pathname}`;
  }

  async function open(url: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    const p = await context.newPage();
    await recordEvents(p);
    await p.goto(url);
    await waitFor(async () => (await readyCount(p)) > 0, "the widget to be ready");
    return { context, page: p };
  }

  async function postPosthog(sessionId: string, distinctId: string) {
    const body = JSON.stringify({
      event: {
        uuid: crypto.randomUUID(),
        event: "$pageview",
        distinct_id: distinctId,
        timestamp: new Date().toISOString(),
        properties: { $session_id: sessionId, $current_url: "https://app.example.com/settings/team", title: "Team · Acme", $is_identified: false },
      },
      person: { properties: {} },
    });
    const res = await fetch(`${server.url}/v1/webhooks/posthog`, { method: "POST", headers: { "content-type": "application/json", "x-posthog-secret": TEST_SECRETS.POSTHOG_SECRET }, body });
    expect(res.status).toBe(202);
  }

  const teamPush = (sessionId: string, userId?: string) => ({
    type: "actions",
    session_id: sessionId,
    ...(userId ? { user_id: userId } : {}),
    actions: [{ type: "pageview", title: "Page Load: Team", description: "User opened the team settings", canonical_url: "https://app.example.com/settings/team", timestamp_start: Date.now() / 1000 }],
  });

  it("(b) posthog-js on the page: the widget joins PostHog's session and gets that session's suggestion", async () => {
    const posthogSession = `0193${crypto.randomBytes(14).toString("hex")}`;
    // What the widget uses of posthog-js: the current session id and its change notifications.
    const stub = `<script>window.posthog = { get_session_id: () => ${JSON.stringify(posthogSession)}, onSessionId(cb) { cb(${JSON.stringify(posthogSession)}); return () => {}; } };</script>`;
    const { context, page: p } = await open(page("/posthog", stub));
    expect(await lastReady(p)).toEqual({ sessionId: posthogSession });
    await postPosthog(posthogSession, "0193-anonymous-device");
    const preview = widget(p, ".pl-preview p");
    await preview.waitFor({ timeout: 15_000 });
    expect(await preview.textContent()).toContain(TEAM_HINT);
    await waitFor(async () => (await server.repos.suggestions.recent((await server.repos.sessions.idByKey("demo", posthogSession))!, 1))[0]?.status === "delivered", "the suggestion to be acknowledged");
    await p.screenshot({ path: path.join(ARTIFACTS, "identity-posthog-session.png") });
    await context.close();
  });

  it("(b) follows PostHog's rotation, and after a sign-out never stays in the previous person's PostHog session", async () => {
    const first = `0193${crypto.randomBytes(14).toString("hex")}`;
    // A posthog-js stand-in whose session the test rotates, as posthog.reset() or 30 idle minutes would.
    const stub = `<script>
      const ph = { id: ${JSON.stringify(first)}, callbacks: [] };
      window.posthog = { get_session_id: () => ph.id, onSessionId(cb) { ph.callbacks.push(cb); cb(ph.id); return () => {}; } };
      window.rotatePosthog = (id) => { ph.id = id; ph.callbacks.forEach((cb) => cb(id)); };
    </script>`;
    const { context, page: p } = await open(page("/posthog-rotating", stub));
    expect(await lastReady(p)).toEqual({ sessionId: first });

    await command(p, "update", { userId: "dora", userHash: userHash("dora") });
    expect(await lastReady(p)).toEqual({ sessionId: first }); // signing in keeps the session
    expect((await server.repos.sessions.findByKey("demo", first))?.ownerId).toBe("dora");

    await command(p, "update", {});
    const afterSignOut = (await lastReady(p))!.sessionId!;
    expect(afterSignOut).not.toBe(first);
    expect(afterSignOut).toMatch(/^ps_[0-9a-f]{32}$/);

    const second = `0193${crypto.randomBytes(14).toString("hex")}`;
    const before = await readyCount(p);
    await p.evaluate((id) => (window as unknown as { rotatePosthog: (x: string) => void }).rotatePosthog(id), second);
    await waitFor(async () => (await readyCount(p)) > before, "the widget to move to PostHog's new session");
    expect(await lastReady(p)).toEqual({ sessionId: second });
    await context.close();
  });

  it("(b) data-session-id: the widget joins a connector's session and gets its suggestion", async () => {
    const connectorSession = `ap_${crypto.randomBytes(16).toString("hex")}`;
    const { context, page: p } = await open(page("/explicit", "", `data-session-id="${connectorSession}"`));
    expect(await lastReady(p)).toEqual({ sessionId: connectorSession });
    expect((await pushEvent(server.url, teamPush(connectorSession))).status).toBe(202);
    const preview = widget(p, ".pl-preview p");
    await preview.waitFor({ timeout: 15_000 });
    expect(await preview.textContent()).toContain(TEAM_HINT);
    await context.close();
  });

  it("(b) data-session-id of a session a signed-in user owns: the anonymous widget says why in the console and works in a session of its own", async () => {
    const owned = `ap_${crypto.randomBytes(16).toString("hex")}`;
    expect((await pushEvent(server.url, teamPush(owned, "erin"))).status).toBe(202);
    const context = await browser.newContext();
    const p = await context.newPage();
    const logged: { type: string; text: string }[] = [];
    p.on("console", (m) => logged.push({ type: m.type(), text: m.text() }));
    await recordEvents(p);
    await p.goto(page("/owned", "", `data-session-id="${owned}"`));
    await waitFor(async () => (await readyCount(p)) > 0, "the widget to be ready");
    const bound = (await lastReady(p))!.sessionId!;
    expect(bound).not.toBe(owned);
    expect(bound).toMatch(/^ps_[0-9a-f]{32}$/);
    // The integrator learns why the session they gave was not joined, and what would join it.
    const notes = logged.filter((m) => m.text.includes("session_forbidden"));
    expect(notes).toHaveLength(1);
    expect(notes[0]!.type).toBe("warning");
    expect(notes[0]!.text).toMatch(/^Pilotlight widget: the session it was given \(data-session-id or boot\) was refused — session_forbidden: .*belongs to another user/);
    expect(notes[0]!.text).toMatch(/userId and userHash/);
    expect(logged.filter((m) => m.type === "error")).toEqual([]);
    // Nothing of erin's session reached it.
    expect(await widget(p, ".pl-preview").isHidden()).toBe(true);
    await context.close();
  });

  it("(c) a verified user's widget that names no session gets the suggestion for a push keyed by another session of theirs", async () => {
    const boot = `<script>
      window.Pilotlight = window.Pilotlight || function () { (Pilotlight.q = Pilotlight.q || []).push(arguments); };
      Pilotlight("boot", { userId: "carol", userHash: ${JSON.stringify(userHash("carol"))} });
    </script>`;
    const { context, page: p } = await open(page("/verified", boot));
    // No capture.js, PostHog or session id on this page: the server chose a fresh session for carol.
    const bound = await lastReady(p);
    expect((await server.repos.sessions.findByKey("demo", bound!.sessionId!))?.ownerId).toBe("carol");
    const connectorSession = `ap_${crypto.randomBytes(16).toString("hex")}`;
    expect((await pushEvent(server.url, teamPush(connectorSession, "carol"))).status).toBe(202);
    const preview = widget(p, ".pl-preview p");
    await preview.waitFor({ timeout: 15_000 });
    expect(await preview.textContent()).toContain(TEAM_HINT);
    await p.screenshot({ path: path.join(ARTIFACTS, "identity-verified-follow.png") });
    await context.close();
  });
});

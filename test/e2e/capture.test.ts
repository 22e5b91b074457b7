/**
 * capture.js in real Chromium: a page on one origin embeds the built /capture.js served by the real
 * app on another origin; clicks, typing, a checkbox, a form submit and SPA navigation reach the server
 * as labelled actions, typed values never leave the page, and ignored regions stay silent.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type { Browser, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.js";
import { waitForGoal } from "../helpers/goals.js";
import { adminHeaders } from "../helpers/signing.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { userHash } from "../helpers/widget-client.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ARTIFACTS = path.join(ROOT, "artifacts", "e2e");
const TYPED_EMAIL = "dana.secret@example.com";
const TYPED_PASSWORD = "hunter2-correct-horse";
const TYPED_SECRET = "ignored-region-text";

let site: http.Server;
let siteOrigin: string;
let server: TestServer;
let browser: Browser;

/** One page for every path; only /reports has a page-specific title (the others get the site-wide one). */
function testPage(apiUrl: string, pathname: string): string {
  const title = pathname === "/reports" ? "Reports · Acme Invoices" : "Acme Invoices";
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
<script src="${apiUrl}/capture.js" data-product-key="${TEST_SECRETS.PRODUCT_KEY}" async></script></head>
<body>
  <nav><a id="nav-team" href="/settings/team">Team</a></nav>
  <button id="export"><svg width="16" height="16" viewBox="0 0 16 16"><path d="M0 0h16v16H0z"/></svg><span>Export</span> <span>CSV</span></button>
  <form id="invite-form" aria-label="Invite teammate" onsubmit="event.preventDefault()">
    <label for="email">Email address</label><input id="email" name="email" type="email">
    <input id="password" name="password" type="password" aria-label="Password">
    <label><input id="remember" type="checkbox" name="remember"> Remember me</label>
    <button id="send" type="submit">Send invite</button>
  </form>
  <div data-pilotlight-ignore>
    <button id="secret-button">Secret action</button>
    <input id="secret-input" aria-label="Secret field">
  </div>
  <p>Plain text that is not interactive.</p>
  <a id="mailto" href="/contacts/42?ref=list" onclick="event.preventDefault()">Write to dana.visible@example.com</a>
  <button id="spa">Go to billing</button>
  <button id="again">Try again</button>
  <script>
    document.getElementById("spa").addEventListener("click", () => {
      history.pushState({}, "", "/settings/billing?tab=card");
      document.title = "Billing · Acme Invoices";
    });
  </script>
</body></html>`;
}

beforeAll(async () => {
  const bundle = path.join(ROOT, "dist", "public", "capture.js");
  if (!fs.existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build (npm run test:e2e does)`);
  // The page's own origin (localhost), distinct from the API's (127.0.0.1): capture runs cross-origin.
  let apiUrl = "";
  site = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(testPage(apiUrl, new URL(req.url ?? "/", "http://x").pathname));
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
  server = await startTestServer({ env: { ALLOWED_ORIGINS: siteOrigin } });
  apiUrl = server.url;
  browser = await launchChromium();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await new Promise((resolve) => site?.close(resolve));
});

/** Every capture request the page makes, with a way to await all of their answers. */
function watchCapture(page: Page) {
  const requests: Request[] = [];
  page.on("request", (r) => {
    if (r.url().endsWith("/v1/capture")) requests.push(r);
  });
  return {
    requests,
    bodies: () => requests.map((r) => r.postData() ?? ""),
    /** Resolves once every capture request so far has been answered; returns their statuses. */
    settled: () => Promise.all(requests.map(async (r) => (await r.response())?.status())),
  };
}

async function context(sessionId: string) {
  const res = await fetch(`${server.url}/v1/sessions/${encodeURIComponent(sessionId)}/context`, { headers: adminHeaders });
  return {
    status: res.status,
    body: (await res.json()) as { recent_actions: { type: string; title: string; description: string; canonical_url: string }[]; goal: string | null; owner_id: string | null },
  };
}

describe("capture.js in Chromium", () => {
  it("captures clicks, field identity, a checkbox, a submit and SPA navigation — never values or ignored regions", async () => {
    const page = await browser.newPage();
    const capture = watchCapture(page);
    const pageErrors: Error[] = [];
    page.on("pageerror", (e) => pageErrors.push(e));

    await page.goto(`${siteOrigin}/reports`);
    await page.waitForFunction(() => window.PilotlightCapture !== undefined);
    const sessionId = await page.evaluate(() => window.PilotlightCapture!.sessionId());
    // A bearer secret: 128 random bits (PROTOCOL.md §3.3 asks for at least 122).
    expect(sessionId).toMatch(/^ps_[0-9a-f]{32}$/);
    const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem("pilotlight:session") ?? "null"));
    expect(stored).toMatchObject({ id: sessionId, lastActivity: expect.any(Number) });

    await page.locator("#export svg").click(); // the icon: lands on its button
    await page.locator("p").click(); // not interactive: nothing
    await page.locator("#mailto").click(); // the page cancels this navigation itself

    await page.locator("#email").fill(TYPED_EMAIL);
    await page.locator("#email").press("Tab");
    await page.locator("#password").fill(TYPED_PASSWORD);
    await page.locator("#password").press("Tab");
    await page.locator("#remember").check();
    await page.locator("#secret-button").click();
    await page.locator("#secret-input").fill(TYPED_SECRET);
    await page.locator("#secret-input").press("Tab");
    await page.locator("#send").click();

    // The SPA navigation is the last event; its batch goes out at once or behind the request before it.
    const lastBatch = page.waitForResponse((r) => r.url().endsWith("/v1/capture") && (r.request().postData() ?? "").includes("settings/billing"));
    await page.locator("#spa").click();
    expect((await lastBatch).status()).toBe(202);
    expect(await capture.settled()).toEqual(capture.requests.map(() => 202));

    const { status, body } = await context(sessionId);
    expect(status).toBe(200);
    expect(body.recent_actions.map((a) => [a.type, a.title])).toEqual([
      ["pageview", "Page Load: Reports"],
      ["click", "Click 'Export CSV' button"],
      ["click", "Click 'Write to [email]' link"],
      ["type", "Type in 'Email address' field"],
      ["type", "Type in 'Password' field"],
      ["type", "Toggle 'Remember me' checkbox"],
      ["click", "Click 'Send invite' button"],
      ["submit", "Submit 'Invite teammate' form"],
      ["click", "Click 'Go to billing' button"],
      ["pageview", "Page Load: Billing"],
    ]);
    expect(body.recent_actions[2]!.description).toBe("User clicked the Write to [email] link on the Reports page (to /contacts/:id)");
    expect(body.recent_actions[3]!.description).toBe("User entered an email address in the Email address field in the Invite teammate form on the Reports page");
    expect(body.recent_actions[7]!.description).toBe("User submitted the Invite teammate form with the Send invite button on the Reports page");
    expect(body.recent_actions[0]!.canonical_url).toBe(`${siteOrigin}/reports`);
    expect(body.recent_actions[9]!.canonical_url).toBe(`${siteOrigin}/settings/billing`);
    // Grouping: the billing page places the session in the demo's billing workflow.
    await waitForGoal(server, sessionId, "Update the payment method");

    // What was typed never left the page, and nothing from the ignored region did either.
    const sent = capture.bodies().join("\n");
    for (const secret of [TYPED_EMAIL, TYPED_PASSWORD, TYPED_SECRET, "Secret action", "Secret field", "tab=card", "dana.visible", "ref=list"]) expect(sent).not.toContain(secret);
    const everything = JSON.stringify(await server.sql.all("SELECT * FROM actions"));
    for (const secret of [TYPED_EMAIL, TYPED_PASSWORD, TYPED_SECRET, "Secret"]) expect(everything).not.toContain(secret);
    // sendBeacon cannot set JSON without a preflight: every request went out as text/plain.
    expect(capture.requests.every((r) => r.headers()["content-type"]?.startsWith("text/plain"))).toBe(true);
    expect(pageErrors).toEqual([]);

    await page.screenshot({ path: path.join(ARTIFACTS, "capture.png"), fullPage: true });
    await page.close();
  });

  it("reports a burst of clicks as a rage click", async () => {
    const page = await browser.newPage();
    const capture = watchCapture(page);
    await page.goto(`${siteOrigin}/invoices`);
    await page.waitForFunction(() => window.PilotlightCapture !== undefined);
    const sessionId = await page.evaluate(() => window.PilotlightCapture!.sessionId());
    await page.locator("#again").click({ clickCount: 1 });
    await page.locator("#again").click({ clickCount: 1 });
    await page.locator("#again").click({ clickCount: 1 });
    await page.evaluate(() => window.PilotlightCapture!.flush());
    await capture.settled();
    const titles = (await context(sessionId)).body.recent_actions.map((a) => a.title);
    expect(titles).toEqual([
      "Page Load: Invoices",
      "Click 'Try again' button",
      "Click 'Try again' button",
      "Click 'Try again' button",
      "Rage click on 'Try again' button",
    ]);
    await page.close();
  });

  it("events queued before a change of person go out as that person's, in their session", async () => {
    const page = await browser.newPage();
    const capture = watchCapture(page);
    await page.goto(`${siteOrigin}/invoices`);
    await page.waitForFunction(() => window.PilotlightCapture !== undefined);
    const { alice, bob } = await page.evaluate(
      ([hashA, hashB]) => {
        const c = window.PilotlightCapture!;
        c.identify("alice", hashA);
        const aliceSession = c.sessionId();
        // The first click goes at once; the second waits behind that request (coalescing)…
        document.getElementById("export")!.click();
        document.getElementById("again")!.click();
        // …while the person changes, as the widget's update() does it: identity, then a new session.
        c.identify("bob", hashB);
        const bobSession = c.rotate();
        document.getElementById("export")!.click();
        return { alice: aliceSession, bob: bobSession };
      },
      [userHash("alice"), userHash("bob")],
    );
    await page.evaluate(() => window.PilotlightCapture!.flush());
    expect(await capture.settled()).toEqual(capture.requests.map(() => 202));
    // Every click went with the person it was made by (the page view before identify() went anonymously).
    const batches = capture.bodies().map((b) => JSON.parse(b) as { session_id: string; user_id?: string; events: { type: string }[] });
    const clicks = batches.filter((b) => b.events.some((e) => e.type === "click"));
    expect(clicks.map((b) => [b.session_id === alice ? "alice's session" : "bob's session", b.user_id])).toEqual(
      expect.arrayContaining([["alice's session", "alice"], ["bob's session", "bob"]]),
    );
    for (const b of clicks) expect(b.user_id).toBe(b.session_id === alice ? "alice" : "bob");
    const aliceContext = (await context(alice)).body;
    expect(aliceContext.owner_id).toBe("alice");
    expect(aliceContext.recent_actions.map((a) => a.title)).toEqual(["Page Load: Invoices", "Click 'Export CSV' button", "Click 'Try again' button"]);
    const bobContext = (await context(bob)).body;
    expect(bobContext.owner_id).toBe("bob");
    expect(bobContext.recent_actions.map((a) => a.title)).toEqual(["Click 'Export CSV' button"]);
    await page.close();
  });

  it("rotates the session after 30 idle minutes and announces the new id", async () => {
    const page = await browser.newPage();
    const capture = watchCapture(page);
    await page.goto(`${siteOrigin}/dashboard`);
    await page.waitForFunction(() => window.PilotlightCapture !== undefined);
    const first = await page.evaluate(() => window.PilotlightCapture!.sessionId());
    const announced = await page.evaluate(() => {
      const s = JSON.parse(sessionStorage.getItem("pilotlight:session")!) as { id: string; lastActivity: number };
      sessionStorage.setItem("pilotlight:session", JSON.stringify({ ...s, lastActivity: s.lastActivity - 31 * 60 * 1000 }));
      (window as unknown as { rotated: Promise<string> }).rotated = new Promise((resolve) =>
        addEventListener("pilotlight:session", (e) => resolve((e as CustomEvent<{ sessionId: string }>).detail.sessionId), { once: true }),
      );
    });
    expect(announced).toBeUndefined();
    await page.locator("#export").click();
    const second = await page.evaluate(() => (window as unknown as { rotated: Promise<string> }).rotated);
    expect(second).not.toBe(first);
    expect(await page.evaluate(() => window.PilotlightCapture!.sessionId())).toBe(second);
    await page.evaluate(() => window.PilotlightCapture!.flush());
    await capture.settled();
    expect((await context(first)).body.recent_actions.map((a) => a.title)).toEqual(["Page Load: Dashboard"]);
    expect((await context(second)).body.recent_actions.map((a) => a.title)).toEqual(["Click 'Export CSV' button"]);
    await page.close();
  });

  it("sends what is queued by beacon when the page goes away", async () => {
    const page = await browser.newPage();
    await page.goto(`${siteOrigin}/reports`);
    await page.waitForFunction(() => window.PilotlightCapture !== undefined);
    const sessionId = await page.evaluate(() => window.PilotlightCapture!.sessionId());
    await page.locator("#nav-team").click({ modifiers: [] });
    await page.waitForURL(`${siteOrigin}/settings/team`);
    // The click was queued on the reports page and left with it (pagehide → sendBeacon).
    await expect
      .poll(async () => (await context(sessionId)).body.recent_actions?.map((a) => a.title), { timeout: 15_000, interval: 100 })
      .toEqual(["Page Load: Reports", "Click 'Team' link", "Page Load: Team settings"]);
    await page.close();
  });
});

/**
 * An integrator's first hour, in real Chromium, following the README's "Embedding Pilotlight in your
 * product" walkthrough literally: a product of its own (PRODUCT_ID), its page origin in ALLOWED_ORIGINS,
 * its workflows uploaded through the admin API, and the two script tags on a page served from another
 * origin. A page on an origin that is not allowed gets one console error per script naming the reason and
 * the fix (and a panel that says so, not a blank one); the allowed page works; the built-in demo keeps
 * working alongside, at 1280 and 390 px, with the click → suggestion time measured and printed.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.js";
import { adminHeaders } from "../helpers/signing.js";
import { BLOG_WORKFLOWS } from "../helpers/workflows.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ARTIFACTS = path.join(ROOT, "artifacts", "e2e");

const WORKFLOWS = BLOG_WORKFLOWS;

/** The customer's own single-page app, with the README's two tags and nothing else of Pilotlight's. */
function customerPage(pilotlight: string, productKey: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Blogly</title>
<script src="${pilotlight}/capture.js" data-product-key="${productKey}" async></script>
<script src="${pilotlight}/widget.js" data-product-key="${productKey}" async></script>
</head><body>
  <nav><a id="new-post" href="/posts/new">New post</a></nav>
  <main id="view"><h1>Posts</h1></main>
  <script>
    document.getElementById("new-post").addEventListener("click", (e) => {
      e.preventDefault();
      history.pushState({}, "", "/posts/new");
      document.title = "New post · Blogly";
      document.getElementById("view").innerHTML = '<h1>New post</h1><label for="t">Title</label><input id="t" name="title"><button id="publish">Publish</button>';
    });
  </script>
</body></html>`;
}

async function serveSite(page: () => string): Promise<{ server: http.Server; origin: string }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(page());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // localhost, not 127.0.0.1: another origin than Pilotlight's.
  return { server, origin: `http://localhost:${(server.address() as AddressInfo).port}` };
}

let browser: Browser;
let pilotlight: TestServer;
let site: { server: http.Server; origin: string };
let stranger: { server: http.Server; origin: string };
let productKey = "";

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  site = await serveSite(() => customerPage(pilotlight.url, productKey));
  stranger = await serveSite(() => customerPage(pilotlight.url, productKey));
  // Step 1 of the walkthrough: a product of its own and the page's origin allowed (default debounce).
  pilotlight = await startTestServer({ env: { PRODUCT_ID: "acme", ALLOWED_ORIGINS: site.origin } });
  // Step 2: the product key `npm run credentials` shows (the first start printed it too).
  productKey = (await pilotlight.repos.products.findById("acme"))!.productKey;
  // Step 3: the product's own workflows.
  const upload = await fetch(`${pilotlight.url}/v1/admin/workflows?product_id=acme`, {
    method: "PUT",
    headers: { ...adminHeaders, "content-type": "application/json" },
    body: JSON.stringify(WORKFLOWS),
  });
  expect(upload.status).toBe(200);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await pilotlight?.close();
  for (const s of [site, stranger]) if (s) await new Promise((resolve) => s.server.close(resolve));
});

const widget = (page: Page, selector: string) => page.locator(`pilotlight-widget ${selector}`);

async function open(url: string, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  const consoleErrors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  await page.goto(url);
  return { context, page, errors, consoleErrors };
}

describe("a page on an origin that is not allowed", () => {
  it("logs one console error per script naming the reason code and the fix, and shows why in the panel", async () => {
    const { context, page, errors, consoleErrors } = await open(`${stranger.origin}/`);
    try {
      const ours = () => consoleErrors.filter((e) => e.startsWith("Pilotlight"));
      await waitFor(() => ours().length >= 2, "both scripts to report the refusal");
      const capture = ours().filter((e) => e.startsWith("Pilotlight capture"));
      const widgetErrors = ours().filter((e) => e.startsWith("Pilotlight widget"));
      expect(capture).toHaveLength(1);
      expect(widgetErrors).toHaveLength(1);
      for (const line of [capture[0]!, widgetErrors[0]!]) {
        expect(line).toContain("origin_not_allowed");
        expect(line).toContain(stranger.origin);
        expect(line).toContain("add it to ALLOWED_ORIGINS");
      }
      await widget(page, ".pl-launcher").click();
      const notice = widget(page, ".pl-notice");
      await notice.waitFor();
      expect(await notice.textContent()).toMatch(/can't connect on this page \(origin_not_allowed\)/);
      expect(await widget(page, ".pl-greeting").isVisible()).toBe(true);
      await page.screenshot({ path: path.join(ARTIFACTS, "integrator-refused-origin.png") });
      expect(errors).toEqual([]);

      const installation = (await (await fetch(`${pilotlight.url}/v1/admin/installation?product_id=acme`, { headers: adminHeaders })).json()) as { origins: { origin: string; allowed: boolean; channel: string }[] };
      expect(installation.origins.filter((o) => o.origin === stranger.origin && !o.allowed).map((o) => o.channel).sort()).toEqual(["capture", "widget"]);
    } finally {
      await context.close();
    }
  });
});

describe("the allowed page, embedded as the README says", () => {
  it("captures, connects and answers from the product's own workflows only", async () => {
    const { context, page, errors, consoleErrors } = await open(`${site.origin}/`);
    try {
      await widget(page, ".pl-launcher").waitFor();
      await page.locator("#new-post").click();
      await page.locator("#t").fill("Hello world");
      await page.locator("#publish").focus();
      await widget(page, ".pl-launcher").click();
      expect(await widget(page, ".pl-greeting").isVisible()).toBe(true);
      await widget(page, "textarea").fill("how do I publish a post?");
      await widget(page, "textarea").press("Enter");
      const reply = widget(page, ".pl-assistant:not(.pl-draft)").last();
      await reply.waitFor({ timeout: 15_000 });
      // Steps as a real list, built with DOM calls; the answer knows where the user is.
      expect(await reply.locator("ol.pl-steps li").allTextContents()).toEqual(["Open Posts → New post.", "Give the post a title.", "Click 'Publish'."]);
      expect(await reply.textContent()).toContain("Next: Click 'Publish'.");
      expect(await reply.locator("time").count()).toBe(1);

      await widget(page, "textarea").fill("how do I invite a teammate?");
      await widget(page, "textarea").press("Enter");
      const second = widget(page, ".pl-assistant:not(.pl-draft)").nth(1);
      await second.waitFor({ timeout: 15_000 });
      expect(await second.textContent()).toMatch(/I don't know that yet/);
      expect(await second.textContent()).not.toContain("Settings → Team");
      await page.screenshot({ path: path.join(ARTIFACTS, "integrator-allowed-origin.png") });
      expect(consoleErrors.filter((e) => e.startsWith("Pilotlight"))).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe("the built-in demo alongside (ALLOWED_ORIGINS set, another default product)", () => {
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    it(`works at ${viewport.width} px: click → suggestion (timed), no horizontal overflow, panel fits`, async () => {
      const { context, page, errors } = await open(`${pilotlight.url}/dashboard`, viewport);
      try {
        await waitFor(() => page.evaluate(() => Boolean(document.querySelector("pilotlight-widget"))), "the widget to mount");
        // Idle first, as a user who has just arrived: the click's events must not wait behind a batch timer.
        await page.waitForTimeout(500);
        const started = Date.now();
        await page.locator("nav >> text=Team").click();
        const preview = widget(page, ".pl-preview p");
        await preview.waitFor({ timeout: 15_000 });
        const ms = Date.now() - started;
        console.log(`demo click → suggestion at ${viewport.width} px (SUGGEST_DEBOUNCE_MS=1200): ${ms} ms`);
        expect(await preview.textContent()).toContain("Type your teammate's email address.");
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow).toBe(0);
        await page.screenshot({ path: path.join(ARTIFACTS, `demo-${viewport.width}-suggestion.png`) });

        // Dismissing the preview clears the unread badge.
        expect(await widget(page, ".pl-badge").isVisible()).toBe(true);
        await widget(page, ".pl-preview-close").click();
        expect(await widget(page, ".pl-badge").isHidden()).toBe(true);

        await widget(page, ".pl-launcher").click();
        const panel = widget(page, ".pl-panel");
        await panel.waitFor({ state: "visible" });
        await waitFor(() => panel.evaluate((el) => el.getAnimations().length === 0), "the opening motion to end");
        const box = (await panel.boundingBox())!;
        if (viewport.width < 480) {
          // Full screen: the whole viewport but its scrollbar.
          const inner = await page.evaluate(() => ({ width: document.documentElement.clientWidth, height: window.innerHeight }));
          expect(Math.round(box.width)).toBe(inner.width);
          expect(Math.round(box.height)).toBe(inner.height);
        } else {
          expect(box.width).toBeLessThanOrEqual(380);
        }
        expect(await widget(page, ".pl-launcher").getAttribute("aria-expanded")).toBe("true");
        await page.screenshot({ path: path.join(ARTIFACTS, `demo-${viewport.width}-panel.png`) });
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }
});

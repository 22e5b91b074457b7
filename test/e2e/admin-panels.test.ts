/**
 * The admin page's integrator panels in real Chromium against the real app, each checked against the admin
 * JSON API it is drawn from: Installation (the two tags with the product key, the allowed origins, the page
 * origins seen — allowed or refused, and why — and the last event per source), Workflows (validation errors
 * listed with their paths, a preview of the sessions each workflow matches, and a save that replaces the
 * product's workflows), Search (sessions and messages) and the conversation view of a verified user's thread.
 */
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, launchChromium } from "../helpers/browser.js";
import { batch, rawEvent, sendCapture } from "../helpers/capture.js";
import { adminHeaders } from "../helpers/signing.js";
import { pushActions } from "../helpers/suggestions.js";
import { startTestServer, TEST_SECRETS, type TestServer } from "../helpers/test-server.js";
import { ask, connectWidget, userHash, type WidgetClient } from "../helpers/widget-client.js";
import { BLOG_WORKFLOWS } from "../helpers/workflows.js";

const SITE = "https://blog.customer.example";
const EVIL = "https://evil.example";

let server: TestServer;
let browser: Browser;
let page: Page;
const pageErrors: Error[] = [];
const sockets: WidgetClient[] = [];

async function api(p: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${server.url}${p}`, { ...init, headers: { ...adminHeaders, ...(init.headers ?? {}) } });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** The text of every cell of a table's body, row by row. */
const rows = (selector: string) =>
  page.locator(`${selector} tbody tr`).evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent ?? "")));

beforeAll(async () => {
  server = await startTestServer({ env: { ALLOWED_ORIGINS: SITE, SUGGESTIONS_ENABLED: "false" } });
  // What the Installation panel reports: an allowed page, a refused one, and a signed push.
  expect((await sendCapture(server.url, batch("blog-capture-1", [rawEvent("pageview", `${SITE}/posts`)]), { origin: SITE })).status).toBe(202);
  expect((await sendCapture(server.url, batch("evil-1", [rawEvent("pageview", `${EVIL}/`)]), { origin: EVIL })).status).toBe(403);
  // Sessions of the last day for the workflows preview: one partway through publishing a post, one done.
  await pushActions(server.url, "blog-draft", [{ url: "/posts/new" }]);
  await pushActions(server.url, "blog-published", [
    { url: "/posts/new" },
    { url: "/posts/new", type: "type", title: "Type in 'Post title' field" },
    { url: "/posts/new", type: "click", title: "Click 'Publish' button" },
  ]);
  // A verified user's thread, for search and the conversation view.
  const alice = await connectWidget(server.url, { sessionId: "blog-alice-7", userId: "alice", userHash: userHash("alice") }, { origin: SITE });
  sockets.push(alice);
  await ask(alice, "Where do I find the HAYSTACK settings?");

  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (e) => pageErrors.push(e));
  await page.goto(`${server.url}/admin`);
  await page.locator("#admin-token").fill(TEST_SECRETS.ADMIN_TOKEN);
  await page.locator("#admin-token").press("Enter");
  await page.locator("#dashboard").waitFor();
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await browser?.close();
  await server?.close();
});

describe("admin panels in Chromium", () => {
  it("Installation: the tags with the product key, allowed origins, origins seen and the last event per source", async () => {
    const { body } = await api("/v1/admin/installation");
    expect(body.product_key).toBe(TEST_SECRETS.PRODUCT_KEY);
    expect(await page.locator("#install-snippet").textContent()).toBe(
      `<script src="${server.url}/capture.js" data-product-key="${body.product_key}" async></script>\n` +
        `<script src="${server.url}/widget.js" data-product-key="${body.product_key}" async></script>`,
    );
    expect(await page.locator("#installation-title + .card p.muted").first().textContent()).toContain(`Allowed origins (ALLOWED_ORIGINS): ${SITE}.`);

    // Origins: what the API lists, in its order, with the verdict and the reason (the last column is a relative time).
    const origins = body.origins as Record<string, any>[];
    expect(origins.map((o) => [o.origin, o.channel, o.allowed])).toEqual(
      expect.arrayContaining([
        [SITE, "capture", true],
        [EVIL, "capture", false],
        [SITE, "widget", true],
      ]),
    );
    await expect.poll(async () => (await rows("#install-origins")).length).toBe(origins.length);
    const shown = (await rows("#install-origins")).map((r) => r.slice(0, 5));
    expect(shown).toEqual(origins.map((o) => [o.origin, o.channel, o.allowed ? "allowed" : `refused (${o.code})`, o.reason ?? "", String(o.count)]));
    const evil = shown.find((r) => r[0] === EVIL)!;
    expect(evil[2]).toBe("refused (origin_not_allowed)");
    expect(evil[3]).toMatch(/add it to ALLOWED_ORIGINS/);

    // Sources: one row per source; push and capture delivered something, the others never did.
    const sources = body.sources as Record<string, any>[];
    const sourceRows = await rows("#install-sources");
    expect(sourceRows.map((r) => [r[0], r[2]])).toEqual(sources.map((s) => [s.source, s.last_session_id ?? ""]));
    const bySource = Object.fromEntries(sourceRows.map((r) => [r[0], r]));
    expect(bySource.push![1]).not.toMatch(/never/);
    expect(bySource.capture![2]).toBe("blog-capture-1");
    expect(bySource.posthog![1]).toBe("never (since start)");
    await page.locator("#installation-title").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, "admin-installation.png") });
  });

  it("Workflows: lists validation problems, previews the sessions each workflow matches, and saves", async () => {
    // Shows the product's workflows as the API has them.
    const before = (await api("/v1/admin/workflows")).body;
    expect(before.workflows.length).toBeGreaterThan(1);
    expect(await page.locator("#workflows-summary").textContent()).toBe(
      `${before.workflows.length} workflows (from a workflows file): ${(before.workflows as { name: string }[]).map((w) => w.name).join(", ")}.`,
    );
    expect(JSON.parse(await page.locator("#workflows-json").inputValue())).toEqual({ workflows: before.workflows });

    // An invalid document: every problem the API names, with its path; nothing stored.
    const invalid = { workflows: [{ id: "broken", name: "", steps: [{ id: "s", match: {}, hint: "x".repeat(300) }] }] };
    const refused = await api("/v1/admin/workflows/validate", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(invalid) });
    expect(refused.status).toBe(422);
    await page.locator("#workflows-json").fill(JSON.stringify(invalid));
    await page.getByRole("button", { name: "Validate and preview" }).click();
    await page.locator("#workflows-result .issues li").first().waitFor();
    expect(await page.locator("#workflows-result .error").textContent()).toBe("invalid_workflows: the workflows do not fit the format");
    expect(await page.locator("#workflows-result .issues li").allTextContents()).toEqual(
      (refused.body.error.issues as { path: string; message: string }[]).map((i) => `${i.path} — ${i.message}`),
    );
    expect((await api("/v1/admin/workflows")).body.workflows).toEqual(before.workflows);

    // A valid one: the preview the API computes, row by row.
    const document = JSON.stringify(BLOG_WORKFLOWS);
    const preview = (await api("/v1/admin/workflows/validate", { method: "POST", headers: { "content-type": "application/json" }, body: document })).body.preview;
    expect(preview.workflows[0]).toMatchObject({ workflow_id: "publish-post", matched: 2, in_progress: 1, completed: 1 });
    await page.locator("#workflows-json").fill(document);
    await page.getByRole("button", { name: "Validate and preview" }).click();
    await page.locator("#workflows-result tbody tr").first().waitFor();
    expect(await page.locator("#workflows-result p").first().textContent()).toBe(`Of ${preview.sessions_considered} sessions active in the last day:`);
    expect(await rows("#workflows-result")).toEqual(
      (preview.workflows as Record<string, any>[]).map((w) => [w.name, String(w.matched), String(w.in_progress), String(w.completed), w.example_sessions.join(", ")]),
    );
    expect((await api("/v1/admin/workflows")).body.workflows).toEqual(before.workflows); // validating stores nothing

    // Saving replaces them: the API and the panel agree.
    await page.getByRole("button", { name: "Save workflows" }).click();
    await page.locator("#workflows-result p.ok").waitFor();
    const after = (await api("/v1/admin/workflows")).body;
    expect(after).toMatchObject({ origin: "admin", workflows: BLOG_WORKFLOWS.workflows });
    expect(await page.locator("#workflows-summary").textContent()).toBe("1 workflow (uploaded here): Publish a blog post.");
    await page.locator("#workflows-title").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, "admin-workflows.png") });
  });

  it("Search finds sessions and messages; the conversation view shows the thread and its owner", async () => {
    const search = async (q: string) => {
      await page.locator("#search-q").fill(q);
      await page.getByRole("button", { name: "Search", exact: true }).click();
      await page.locator("#search-results h3").filter({ hasText: "Sessions" }).waitFor();
      return (await api(`/v1/admin/search?q=${encodeURIComponent(q)}`)).body;
    };

    const bySession = await search("ALICE-7");
    expect(bySession.sessions.map((s: any) => s.session_id)).toEqual(["blog-alice-7"]);
    await expect.poll(() => page.locator("#search-results ul").first().locator("li .sid").allTextContents()).toEqual(["blog-alice-7"]);
    expect(await page.locator("#search-results h3").allTextContents()).toEqual([`Sessions (${bySession.sessions.length})`, `Messages (${bySession.messages.length})`]);

    const byText = await search("haystack");
    expect(byText.sessions).toEqual([]);
    expect(byText.messages.map((m: any) => [m.role, m.text])).toEqual([["user", "Where do I find the HAYSTACK settings?"]]);
    await expect.poll(() => page.locator("#search-results li q").allTextContents()).toEqual(["Where do I find the HAYSTACK settings?"]);

    // The conversation view: what GET /v1/conversations/:id holds, message by message, and its owner.
    const conversationId = byText.messages[0].conversation_id as string;
    await page.locator("#search-results li button.link").filter({ hasText: conversationId }).click();
    await page.locator("#conversation .conv-msg").first().waitFor();
    const conversation = (await api(`/v1/conversations/${conversationId}`)).body;
    expect(conversation.user_id).toBe("alice");
    expect(await page.locator("#conversation-title").textContent()).toBe(`Conversation ${conversationId}`);
    expect(await page.locator("#conversation > p.muted").textContent()).toBe(
      `user alice · sessions: ${(conversation.sessions as { session_id: string }[]).map((s) => s.session_id).join(", ")}`,
    );
    const messages = conversation.messages as { role: string; text: string }[];
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(await page.locator("#conversation .conv-msg p").allTextContents()).toEqual(messages.map((m) => m.text));
    const roles = await page.locator("#conversation .conv-msg > span").allTextContents();
    expect(roles.map((r) => r.split(" · ")[0])).toEqual(messages.map((m) => m.role));
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("conversation");
    await page.screenshot({ path: path.join(ARTIFACTS, "admin-search-conversation.png") });
    expect(pageErrors).toEqual([]);
  });
});

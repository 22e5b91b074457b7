/**
 * The widget in real Chromium on the bundled demo ("Acme Invoices"), served by the real app with the
 * rules model: clicking through the demo brings a suggestion; accept and dismiss reach the engine; chat
 * replies stream (from a local OpenAI-compatible server); a reload keeps the thread; hostile text renders
 * as text; page and widget styles do not touch each other; the widget works from the keyboard.
 */
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS, launchForBundle } from "../helpers/browser.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai.js";
import { pushEvent } from "../helpers/signing.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";

const XSS_ACTION = "<img src=x onerror=window.__xss=1>";
const XSS_MODEL = '<img src=x onerror="window.__pwned=1">';

/** Quick suggestions, and a gate that lets the next one through soon after the user engaged. */
const FAST_GATES = {
  SUGGEST_DEBOUNCE_MS: "200",
  SUGGEST_MAX_WAIT_MS: "1000",
  GATE_COOLDOWN_MS: "0",
  GATE_INTERACTION_TIMEOUT_MS: "300",
  GATE_RECENT_MESSAGE_MS: "0",
};

let browser: Browser;
beforeAll(async () => {
  browser = await launchForBundle("widget");
});
afterAll(async () => {
  await browser?.close();
});

/** A fresh browser profile on the demo; records the widget's window events and uses the command queue. */
async function openDemo(server: TestServer): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.addInitScript(() => {
    const w = window as unknown as Record<string, unknown> & { Pilotlight?: unknown };
    w.__events = [];
    w.__queued = [];
    for (const name of ["ready", "suggestion", "message", "open", "close"]) {
      window.addEventListener(`pilotlight:${name}`, (e) => (w.__events as unknown[]).push({ name, detail: (e as CustomEvent).detail }));
    }
    // The documented snippet: calls made before widget.js loads are queued and replayed.
    const stub = function (...args: unknown[]) {
      (stub.q = stub.q || []).push(args);
    } as ((...args: unknown[]) => void) & { q?: unknown[][] };
    w.Pilotlight = stub;
    stub("on", "suggestion", (s: unknown) => (w.__queued as unknown[]).push(s));
  });
  await page.goto(`${server.url}/`);
  await page.locator("pilotlight-widget .pl-launcher").waitFor();
  await waitFor(() => page.evaluate(() => (window as unknown as { __events: { name: string }[] }).__events.some((e) => e.name === "ready")), "the widget to be ready");
  return { context, page, errors };
}

interface DemoRun {
  server: TestServer;
  page: Page;
  errors: string[];
  close(): Promise<void>;
}

/** The real app (with `env`) and a fresh browser profile on its demo. */
async function startDemo(env: Record<string, string> = {}): Promise<DemoRun> {
  const server = await startTestServer({ env });
  const { context, page, errors } = await openDemo(server);
  return {
    server,
    page,
    errors,
    async close() {
      await context.close();
      await server.close();
    },
  };
}

const widget = (page: Page, selector: string) => page.locator(`pilotlight-widget ${selector}`);
const sessionIdOf = (page: Page) => page.evaluate(() => (window as unknown as { PilotlightCapture: { sessionId(): string } }).PilotlightCapture.sessionId());

describe("the widget on the demo (rules model)", () => {
  let run: DemoRun;
  beforeAll(async () => {
    run = await startDemo(FAST_GATES);
  });
  afterAll(() => run?.close());

  it("clicking through the demo brings a suggestion for the next step", async () => {
    const { page } = run;
    await page.locator("nav >> text=Team").click();
    const preview = widget(page, ".pl-preview p");
    await preview.waitFor({ timeout: 15_000 });
    expect(await preview.textContent()).toContain("Type your teammate's email address.");
    expect(await widget(page, ".pl-badge").textContent()).toBe("1");
    expect(await widget(page, ".pl-launcher").getAttribute("aria-label")).toBe("Open Assistant (1 unread)");
    // The host page hears it too: through the queued `on` callback and the window event.
    const heard = await page.evaluate(() => {
      const w = window as unknown as { __queued: { text: string }[]; __events: { name: string; detail: { text: string } }[] };
      return { queued: w.__queued.map((s) => s.text), events: w.__events.filter((e) => e.name === "suggestion").map((e) => e.detail.text) };
    });
    expect(heard.queued[0]).toContain("teammate's email");
    expect(heard.events[0]).toContain("teammate's email");
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-suggestion.png") });
  });

  it("accepting opens the thread and records the verdict with the engine", async () => {
    const { page, server } = run;
    await widget(page, ".pl-preview .pl-accept").click();
    await widget(page, ".pl-panel").waitFor({ state: "visible" });
    await widget(page, ".pl-suggestion .pl-verdict").waitFor();
    expect(await widget(page, ".pl-suggestion .pl-verdict").textContent()).toBe("Thanks — marked as helpful.");
    const suggestion = (await server.repos.suggestions.recent((await server.repos.sessions.idByKey("demo", await sessionIdOf(page)))!, 5))[0]!;
    await waitFor(async () => (await server.repos.suggestions.findById(suggestion.id))?.feedback === "accepted", "the accepted verdict to be stored");
  });

  it("a dismissed suggestion is marked and stored as dismissed", async () => {
    const { page, server } = run;
    await page.locator("nav >> text=Reports").click();
    const card = widget(page, ".pl-suggestion").filter({ hasText: "date range" });
    await card.waitFor({ timeout: 15_000 });
    await card.locator(".pl-dismiss").click();
    await card.locator(".pl-verdict").waitFor();
    expect(await card.locator(".pl-verdict").textContent()).toBe("Dismissed.");
    const id = Number(await card.locator("[data-suggestion]").getAttribute("data-suggestion"));
    await waitFor(async () => (await server.repos.suggestions.findById(id))?.feedback === "dismissed", "the dismissal to be stored");
  });

  it("answers a question offline with the page the user is on", async () => {
    const { page } = run;
    await widget(page, "textarea").fill("how do I export a report?");
    await widget(page, "textarea").press("Enter");
    const reply = widget(page, ".pl-assistant:not(.pl-draft)").last();
    await reply.waitFor({ timeout: 15_000 });
    expect(await reply.textContent()).toContain("Click 'Export CSV' to download the report.");
    expect(await widget(page, ".pl-user .pl-text").last().textContent()).toBe("how do I export a report?");
    expect(await widget(page, ".pl-typing").isHidden()).toBe(true);
  });

  it("keeps the thread across a reload", async () => {
    const { page } = run;
    const before = await widget(page, ".pl-msg").allTextContents();
    await page.reload();
    await widget(page, ".pl-launcher").click();
    await waitFor(async () => (await widget(page, ".pl-msg").count()) >= before.length, "the thread to be synced after the reload");
    expect(await widget(page, ".pl-msg").allTextContents()).toEqual(before);
    // Verdicts are remembered too: no Accept/Dismiss comes back on answered suggestions.
    expect(await widget(page, ".pl-suggestion .pl-accept").count()).toBe(0);
  });

  it("renders text from users' actions as text: nothing runs, no element is created", async () => {
    const { page, server } = run;
    const sessionId = await sessionIdOf(page);
    const t = Date.now() / 1000;
    const click = (dt: number) => ({ type: "click", title: `Click '${XSS_ACTION}' button`, description: `User clicked ${XSS_ACTION}`, canonical_url: "/dashboard", timestamp_start: t + dt });
    await pushEvent(server.url, { type: "actions", session_id: sessionId, actions: [click(0), click(0.2), click(0.4)] });
    const card = widget(page, ".pl-suggestion").filter({ hasText: XSS_ACTION });
    await card.waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await widget(page, "img").count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-xss-action.png") });
  });

  it("works from the keyboard and announces new messages", async () => {
    const { page } = run;
    await page.keyboard.press("Escape");
    await widget(page, ".pl-panel").waitFor({ state: "hidden" });
    expect(await page.evaluate(() => document.querySelector("pilotlight-widget")!.shadowRoot!.activeElement?.className)).toBe("pl-launcher");
    await page.keyboard.press("Enter");
    await widget(page, ".pl-panel").waitFor({ state: "visible" });
    expect(await page.evaluate(() => document.querySelector("pilotlight-widget")!.shadowRoot!.activeElement?.tagName)).toBe("TEXTAREA");
    expect(await widget(page, ".pl-thread").getAttribute("role")).toBe("log");
    expect(await widget(page, ".pl-thread").getAttribute("aria-live")).toBe("polite");
    expect(await widget(page, ".pl-panel").getAttribute("role")).toBe("dialog");
    expect(run.errors).toEqual([]);
  });
});

describe("a suggestion the user has already followed", () => {
  let run: DemoRun;
  beforeAll(async () => {
    run = await startDemo(FAST_GATES);
  });
  afterAll(() => run?.close());

  it("disappears once the user does the step it suggested", async () => {
    const { page } = run;
    await page.locator("nav >> text=Team").click();
    const preview = widget(page, ".pl-preview");
    await preview.locator("p").waitFor({ timeout: 15_000 });
    expect(await preview.locator("p").textContent()).toContain("email address");
    // The user types the email (capture.js reports the field change, never the value) and leaves the field.
    await page.locator("#f-email").fill("new.colleague@example.com");
    await page.locator("#f-role").focus();
    await page.evaluate(() => (window as unknown as { PilotlightCapture: { flush(): Promise<void> } }).PilotlightCapture.flush());
    // The outdated card goes (the next step's suggestion may take its place right away).
    await waitFor(async () => !(await preview.isVisible()) || !((await preview.locator("p").textContent()) ?? "").includes("email address"), "the outdated suggestion to go");
    await widget(page, ".pl-launcher").click();
    const first = widget(page, ".pl-suggestion").filter({ hasText: "email address" });
    expect(await first.locator(".pl-verdict").textContent()).toBe("Done — no longer needed.");
    expect(await first.locator(".pl-accept").count()).toBe(0);
  });
});

describe("style isolation", () => {
  let run: DemoRun;
  beforeAll(async () => {
    run = await startDemo();
  });
  afterAll(() => run?.close());

  it("the page's CSS does not change the widget, and the widget's CSS does not leak", async () => {
    const { page } = run;
    const launcherStyle = () =>
      widget(page, ".pl-launcher").evaluate((el) => {
        const s = getComputedStyle(el);
        return { background: s.backgroundColor, width: s.width, radius: s.borderRadius, font: s.fontFamily };
      });
    const before = await launcherStyle();
    await page.addStyleTag({
      content: `* { font-family: "Comic Sans MS", serif !important; color: red !important; }
        button { background: lime !important; width: 10px !important; border-radius: 0 !important; }
        pilotlight-widget { font-size: 40px; color: green; }`,
    });
    await page.evaluate(() => {
      const probe = document.createElement("button");
      probe.className = "pl-launcher pl-msg";
      probe.id = "probe";
      probe.textContent = "page button";
      document.querySelector("main")!.append(probe);
    });
    expect(await launcherStyle()).toEqual(before);
    expect(before.background).toBe("rgb(53, 71, 216)");
    // A page element that happens to use the widget's class names gets none of its styles.
    const probe = await page.locator("#probe").evaluate((el) => {
      const s = getComputedStyle(el);
      return { radius: s.borderRadius, height: s.height };
    });
    expect(probe.radius).not.toBe("50%");
    expect(probe.height).not.toBe("56px");
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-hostile-css.png") });
  });
});

describe("streamed replies from an LLM", () => {
  let run: DemoRun;
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI({
      // Chat replies stream slowly enough to be seen mid-way; suggestion calls decline.
      default: (req) =>
        req.body.stream
          ? { kind: "stream", deltas: ["Open ", "Settings → Team, ", `then ${XSS_MODEL} `, "press Send invite."], chunkDelayMs: 250 }
          : { kind: "reply", text: "NO_SUGGESTION" },
    });
    run = await startDemo({ OPENAI_BASE_URL: fake.url, LLM_MAX_RETRIES: "0" });
  });
  afterAll(async () => {
    await run?.close();
    await fake?.close();
  });

  it("shows the reply growing, then the full message, with model output rendered as text", async () => {
    const { page } = run;
    await widget(page, ".pl-launcher").click();
    await widget(page, "textarea").fill("How do I invite a colleague?");
    await widget(page, "textarea").press("Enter");
    await widget(page, ".pl-typing").waitFor({ state: "visible" });
    const draft = widget(page, ".pl-draft");
    await draft.waitFor();
    const partial = (await draft.textContent()) ?? "";
    expect(partial.length).toBeGreaterThan(0);
    expect("Open Settings → Team, ").toContain(partial.trim().slice(0, 5));
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-streaming.png") });

    const final = widget(page, ".pl-assistant:not(.pl-draft)").last();
    await final.waitFor({ timeout: 15_000 });
    expect(await final.locator(".pl-text").textContent()).toBe(`Open Settings → Team, then ${XSS_MODEL} press Send invite.`);
    expect(await widget(page, ".pl-draft").count()).toBe(0);
    expect(await widget(page, ".pl-typing").isHidden()).toBe(true);
    expect(await widget(page, "img").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-reply.png") });
  });
});

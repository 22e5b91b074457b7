/**
 * Client time cannot make the engine spin. A capture event dated a month ahead (a browser whose clock is
 * off, or an attacker) used to put the dwell re-check past Node's 2^31 ms timer limit, so it fired after
 * 1 ms, forever. Now such a timestamp is recorded at receive time, every timer delay is clamped to the
 * platform limit, and a per-session evaluation budget caps what is left. Counted, never timed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ALLOWED_ORIGIN, batch, rawEvent, sendCapture } from "../helpers/capture.js";
import { adminHeaders } from "../helpers/signing.js";
import { recordDecisions, TEAM_PAGE, pushActions } from "../helpers/suggestions.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";

const MONTH_MS = 30 * 86_400_000;
const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);
beforeAll(() => {
  process.on("warning", onWarning);
});
afterAll(() => {
  process.off("warning", onWarning);
});

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(env: Record<string, string>) {
  const server = await startTestServer({ env: { ALLOWED_ORIGINS: ALLOWED_ORIGIN, SUGGEST_DEBOUNCE_MS: "10", SUGGEST_MAX_WAIT_MS: "50", ...env } });
  servers.push(server);
  return server;
}

/** Lets the event loop run for `ms` of real time: the window over which decisions are counted. */
const observe = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a capture event a month in the future", () => {
  it("leads to one evaluation, not a loop, and no TimeoutOverflowWarning", async () => {
    const server = await start({});
    const decisions = recordDecisions(server.suggestions);
    const future = Date.now() + MONTH_MS;
    const res = await sendCapture(server.url, batch("s-future", [rawEvent("pageview", "https://shop.example.com/reports", undefined, { ts: future })]));
    expect(res.status).toBe(202);
    await decisions.next({ sessionId: "s-future" });
    await observe(1_500);
    const mine = decisions.all.filter((d) => d.sessionId === "s-future");
    expect(mine.length).toBeLessThanOrEqual(2);
    expect(warnings.filter((w) => w.name === "TimeoutOverflowWarning")).toEqual([]);
  });

  it("is recorded at receive time; the outbound stream still relays the sender's value", async () => {
    const server = await start({ CLIENT_CLOCK_SKEW_MS: "300000" });
    const future = Date.now() + MONTH_MS;
    const before = Date.now();
    await sendCapture(server.url, batch("s-stamp", [rawEvent("click", "https://shop.example.com/x", { tag: "button", text: "Go" }, { ts: future })]));
    const ctx = (await (await fetch(`${server.url}/v1/sessions/s-stamp/context`, { headers: adminHeaders })).json()) as { recent_actions: { timestamp_start: number }[] };
    const stored = ctx.recent_actions[0]!.timestamp_start * 1000;
    expect(stored).toBeGreaterThanOrEqual(before - 1);
    expect(stored).toBeLessThanOrEqual(Date.now() + 1);
    const logged = (await server.repos.eventLog.after("demo", 0, 10, "s-stamp")).entries[0]!;
    expect((JSON.parse(logged.data) as { actions: { timestamp_start: number }[] }).actions[0]!.timestamp_start * 1000).toBeCloseTo(future, -1);
  });

  it("keeps a timestamp within the allowed skew as the sender gave it", async () => {
    const server = await start({ CLIENT_CLOCK_SKEW_MS: "300000" });
    const ahead = Date.now() + 60_000;
    await sendCapture(server.url, batch("s-skew", [rawEvent("click", "https://shop.example.com/x", { tag: "button", text: "Go" }, { ts: ahead })]));
    const ctx = (await (await fetch(`${server.url}/v1/sessions/s-skew/context`, { headers: adminHeaders })).json()) as { recent_actions: { timestamp_start: number }[] };
    expect(ctx.recent_actions[0]!.timestamp_start * 1000).toBeCloseTo(ahead, -1);
  });
});

describe("the per-session evaluation budget", () => {
  it("evaluates a session at most SUGGEST_EVALUATIONS_PER_MIN times a minute and records why the rest waits", async () => {
    const server = await start({ SUGGEST_DEBOUNCE_MS: "0", SUGGEST_MAX_WAIT_MS: "0", SUGGEST_EVALUATIONS_PER_MIN: "3" });
    const decisions = recordDecisions(server.suggestions);
    for (let i = 0; i < 12; i++) {
      await pushActions(server.url, "s-budget", [{ url: `/reports/${i}` }]);
      // Each push is evaluated before the next one arrives (or held back by the budget).
      await waitFor(() => decisions.all.filter((d) => d.sessionId === "s-budget").length >= Math.min(i + 1, 4) || undefined, "a decision");
    }
    const skip = await decisions.next({ sessionId: "s-budget", reason: "evaluation_budget" });
    expect(skip).toMatchObject({ outcome: "skipped", source: null });
    await observe(300);
    const mine = decisions.all.filter((d) => d.sessionId === "s-budget");
    expect(mine.filter((d) => d.reason !== "evaluation_budget").length).toBeLessThanOrEqual(3);
    // One recorded skip per window, however many evaluations were held back.
    expect(mine.filter((d) => d.reason === "evaluation_budget")).toHaveLength(1);
    // Another session has its own budget.
    await pushActions(server.url, "s-budget-2", TEAM_PAGE);
    expect((await decisions.next({ sessionId: "s-budget-2" })).reason).not.toBe("evaluation_budget");
  });
});

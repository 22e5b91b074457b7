import { describe, expect, it } from "vitest";
import { createRateLimits, rateLimitKey } from "../../server/http/rate-limit.js";
import { createAddressBudget } from "../../server/llm/address-budget.js";
import { createMetrics } from "../../server/metrics.js";
import { createManualClock } from "../helpers/clock.js";

function budget(perHour: number, maxSessions: number, modelTakesCalls: () => boolean = () => true) {
  const metrics = createMetrics();
  const clock = createManualClock();
  const rateLimits = createRateLimits({ metrics, clock, maxKeys: 1_000 });
  const limiter = rateLimits.create({ name: "model_calls_address", perMinute: perHour, windowMs: 3_600_000 });
  return { clock, b: createAddressBudget({ limiter, keyOf: (a) => rateLimitKey(undefined, a), metrics, maxSessions, enabled: perHour > 0, modelTakesCalls }) };
}

describe("the per-address model budget", () => {
  it("remembers at most maxSessions session addresses, whatever the number of sessions noted", () => {
    const { b } = budget(5, 100);
    for (let i = 0; i < 10_000; i++) b.noteSession("demo", `s-${i}`, `10.0.${i >> 8}.${i & 255}`);
    expect(b.sessions()).toBe(100);
  });

  it("counts a session's calls against the address that last fed it, and a new window starts afresh", async () => {
    const { b, clock } = budget(2, 100);
    for (let i = 0; i < 4; i++) b.noteSession("demo", `s-${i}`, "203.0.113.7");
    const admitted = [];
    for (let i = 0; i < 4; i++) admitted.push(await b.admitSession("demo", `s-${i}`));
    expect(admitted).toEqual([true, true, false, false]);
    // A session no public address fed (push, connector) is not counted.
    expect(await b.admitSession("demo", "pushed-only")).toBe(true);
    clock.advance(3_600_001);
    expect(await b.admitSession("demo", "s-0")).toBe(true);
  });

  it("treats IPv6 addresses of one /56 as one address", async () => {
    const { b } = budget(1, 100);
    expect(await b.admitAddress("2001:db8:0:1::1")).toBe(true);
    expect(await b.admitAddress("2001:db8:0:2::9")).toBe(false);
  });

  it("counts nothing while the model takes no calls (its breaker is open), so an outage uses up no address's budget", async () => {
    let open = true;
    const { b } = budget(1, 100, () => !open);
    for (let i = 0; i < 5; i++) expect(await b.admitAddress("203.0.113.7")).toBe(true);
    open = false;
    expect(await b.admitAddress("203.0.113.7")).toBe(true);
    expect(await b.admitAddress("203.0.113.7")).toBe(false);
  });
});

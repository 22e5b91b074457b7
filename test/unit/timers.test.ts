import { describe, expect, it } from "vitest";
import { MAX_TIMER_DELAY_MS, startTimer, timerDelay } from "../../server/timers.js";

describe("timer delays", () => {
  it("are clamped to what Node can wait, and never negative", () => {
    expect(timerDelay(2 ** 40)).toBe(MAX_TIMER_DELAY_MS);
    expect(timerDelay(Number.POSITIVE_INFINITY)).toBe(MAX_TIMER_DELAY_MS);
    expect(timerDelay(-5)).toBe(0);
    expect(timerDelay(Number.NaN)).toBe(0);
    expect(timerDelay(1.2)).toBe(2);
  });

  it("a month-long timer neither fires at once nor warns", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    let fired = false;
    const timer = startTimer(() => (fired = true), 30 * 86_400_000);
    // Long enough for a 1 ms timer (what Node makes of an overflowing delay) to have fired, and for the
    // warning (emitted on the next tick) to arrive.
    await new Promise((resolve) => setTimeout(resolve, 50));
    clearTimeout(timer);
    process.off("warning", onWarning);
    expect(fired).toBe(false);
    expect(warnings.map((w) => w.name)).not.toContain("TimeoutOverflowWarning");
  });
});

import { describe, expect, it } from "vitest";
import { createCircuitBreaker } from "../../server/llm/circuit-breaker.js";
import { createManualClock } from "../helpers/clock.js";

describe("circuit breaker", () => {
  it("opens after N consecutive failures, probes once after the cool-off, and closes on the probe's success", () => {
    const clock = createManualClock(0);
    const b = createCircuitBreaker({ failures: 3, cooldownMs: 1_000, clock });
    b.onFailure();
    b.onFailure();
    expect(b.state()).toBe("closed");
    b.onFailure();
    expect(b.state()).toBe("open");
    expect(b.tryAcquire()).toBe(false);
    clock.advance(999);
    expect(b.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(b.state()).toBe("half_open");
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false); // only one probe
    b.onSuccess();
    expect(b.state()).toBe("closed");
    expect(b.tryAcquire()).toBe(true);
  });

  it("re-opens for another cool-off when the probe fails", () => {
    const clock = createManualClock(0);
    const b = createCircuitBreaker({ failures: 1, cooldownMs: 500, clock });
    b.onFailure();
    clock.advance(500);
    expect(b.tryAcquire()).toBe(true);
    b.onFailure();
    expect(b.state()).toBe("open");
    clock.advance(499);
    expect(b.tryAcquire()).toBe(false);
  });

  it("a success resets the count; a cancelled probe frees the slot without a verdict", () => {
    const clock = createManualClock(0);
    const b = createCircuitBreaker({ failures: 2, cooldownMs: 100, clock });
    b.onFailure();
    b.onSuccess();
    b.onFailure();
    expect(b.state()).toBe("closed");
    b.onFailure();
    clock.advance(100);
    expect(b.tryAcquire()).toBe(true);
    b.onCancel();
    expect(b.state()).toBe("half_open");
    expect(b.tryAcquire()).toBe(true);
  });
});

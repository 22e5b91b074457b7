import { describe, expect, it } from "vitest";
import { afterDelivered, afterFeedback, afterTyping, afterUserMessage, blockingReason, initialGate, settleGate, type GateConfig } from "../../server/suggest/gates.js";

const c: GateConfig = { interactionTimeoutMs: 20_000, cooldownMs: 60_000, recentMessageMs: 5_000, typingTtlMs: 15_000, perHour: 3 };
const T = 1_000_000;
const open = { deliveredLastHour: 0 };

describe("gates (pure)", () => {
  it("lets a fresh session through", () => {
    expect(blockingReason(initialGate(1, T), T, c, open)).toBeNull();
  });

  it("goes proactive on delivery, back to thinking after the interaction timeout, and holds the cooldown", () => {
    const g = afterDelivered(initialGate(1, T), T, c);
    expect(g).toMatchObject({ state: "proactive", cooldownUntil: T + 60_000 });
    expect(blockingReason(g, T + 19_999, c, open)).toBe("awaiting_interaction");
    expect(settleGate(g, T + 20_000, c).state).toBe("thinking");
    expect(blockingReason(g, T + 20_000, c, open)).toBe("cooldown");
    expect(blockingReason(g, T + 60_000, c, open)).toBeNull();
  });

  it("checks typing first, then the user's recent message, then the reactive state", () => {
    let g = afterUserMessage(initialGate(1, T), T);
    g = afterTyping(g, true, T + 1_000, c);
    expect(blockingReason(g, T + 1_000, c, open)).toBe("typing");
    g = afterTyping(g, false, T + 2_000, c);
    expect(blockingReason(g, T + 2_000, c, open)).toBe("recent_message");
    expect(blockingReason(g, T + 5_000, c, open)).toBe("reactive");
    expect(blockingReason(g, T + 20_000, c, open)).toBeNull();
  });

  it("expires a typing signal that never got its stop", () => {
    const g = afterTyping(initialGate(1, T), true, T, c);
    expect(blockingReason(g, T + 14_999, c, open)).toBe("typing");
    expect(blockingReason(g, T + 15_000, c, open)).toBeNull();
  });

  it("applies the hourly cap, then the duplicate check", () => {
    const g = initialGate(1, T);
    expect(blockingReason(g, T, c, { deliveredLastHour: 3 })).toBe("cap");
    expect(blockingReason(g, T, c, { deliveredLastHour: 2, shownRecently: true })).toBe("duplicate");
  });

  it("doubles the cooldown per consecutive dismissal, up to ×8, and resets on acceptance", () => {
    let g = afterDelivered(initialGate(1, T), T, c);
    g = afterFeedback(g, "dismissed", T + 1_000, c);
    expect(g).toMatchObject({ state: "thinking", dismissals: 1, cooldownUntil: T + 1_000 + 120_000 });
    for (let i = 0; i < 5; i++) g = afterFeedback(g, "dismissed", T + 2_000, c);
    expect(g).toMatchObject({ dismissals: 6, cooldownUntil: T + 2_000 + 480_000 }); // capped at ×8
    g = afterDelivered(g, T + 600_000, c);
    expect(g.cooldownUntil).toBe(T + 600_000 + 480_000);
    g = afterFeedback(g, "accepted", T + 601_000, c);
    expect(g).toMatchObject({ state: "reactive", dismissals: 0 });
    expect(afterDelivered(g, T + 700_000, c).cooldownUntil).toBe(T + 700_000 + 60_000);
  });
});

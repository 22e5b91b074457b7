import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../server/ingest/backoff.js";

describe("backoffDelay", () => {
  it("doubles from the base up to the cap, as 1 s → 30 s in production", () => {
    const top = () => 1; // the largest jitter draw gives the nominal delay
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((f) => backoffDelay(f, 1_000, 30_000, top))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it("jitters within the upper half of the nominal delay, so waits never shrink from one failure to the next", () => {
    expect(backoffDelay(0, 1_000, 30_000, () => 0)).toBe(500);
    expect(backoffDelay(3, 1_000, 30_000, () => 0.5)).toBe(6_000);
    for (let failures = 0; failures < 8; failures++) {
      const nominal = Math.min(30_000, 1_000 * 2 ** failures);
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(failures, 1_000, 30_000);
        expect(d).toBeGreaterThanOrEqual(nominal / 2);
        expect(d).toBeLessThanOrEqual(nominal);
      }
    }
  });
});

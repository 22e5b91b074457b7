import { describe, expect, it } from "vitest";
import { bucketRangeOf, densify } from "../../server/admin/activity-stats.js";
import { acceptanceRate, suggestionOutcome } from "../../server/admin/suggestion-outcome.js";
import { bandOf, DEFAULT_BOX, labelledBuckets, niceCeil, yOf } from "../../client/admin/chart-geometry.js";

describe("bucketRangeOf", () => {
  it("aligns buckets to their length and ends with the one holding now", () => {
    const now = Date.UTC(2026, 0, 1, 12, 30, 17);
    expect(bucketRangeOf(now, 60, 60)).toEqual({ start: Date.UTC(2026, 0, 1, 11, 31), bucketMs: 60_000, count: 60 });
    expect(bucketRangeOf(now, 5, 120)).toEqual({ start: Date.UTC(2026, 0, 1, 12, 26), bucketMs: 120_000, count: 3 });
    // A bucket longer than the window still gives one bucket.
    expect(bucketRangeOf(now, 1, 3600)).toEqual({ start: Date.UTC(2026, 0, 1, 12), bucketMs: 3_600_000, count: 1 });
  });

  it("fills the buckets a GROUP BY left out with zeros and ignores rows outside the range", () => {
    expect(densify([{ bucket: 1, n: 3 }, { bucket: 3, n: 1 }, { bucket: 7, n: 9 }, { bucket: -1, n: 2 }], 4)).toEqual([0, 3, 0, 1]);
  });
});

describe("suggestionOutcome", () => {
  const at = 1_000_000;
  it("is the feedback when there is some, at any age", () => {
    expect(suggestionOutcome({ status: "delivered", feedback: "accepted", createdAt: at }, at + 10 ** 9, 20_000)).toBe("accepted");
    expect(suggestionOutcome({ status: "delivered", feedback: "dismissed", createdAt: at }, at, 20_000)).toBe("dismissed");
  });
  it("is pending within the interaction timeout and ignored from its end", () => {
    expect(suggestionOutcome({ status: "delivered", feedback: null, createdAt: at }, at + 19_999, 20_000)).toBe("pending");
    expect(suggestionOutcome({ status: "delivered", feedback: null, createdAt: at }, at + 20_000, 20_000)).toBe("ignored");
  });
  it("is null for a suggestion that was never shown", () => {
    for (const status of ["skipped", "superseded", "publish_failed"] as const) {
      expect(suggestionOutcome({ status, feedback: null, createdAt: at }, at + 10 ** 9, 20_000)).toBeNull();
    }
  });
  it("rates acceptance among settled outcomes, null when none settled", () => {
    expect(acceptanceRate({ accepted: 1, dismissed: 1, ignored: 2 })).toBe(0.25);
    expect(acceptanceRate({ accepted: 0, dismissed: 0, ignored: 0 })).toBeNull();
  });
});

describe("chart geometry", () => {
  it("rounds an axis maximum up to 1, 2 or 5 × a power of ten", () => {
    expect([0, 1, 2, 3, 7, 10, 11, 26, 99, 101, 4999].map(niceCeil)).toEqual([1, 1, 2, 5, 10, 10, 20, 50, 100, 200, 5000]);
  });
  it("lays bands side by side inside the plot, with no overlap", () => {
    const count = 60;
    const bands = Array.from({ length: count }, (_, i) => bandOf(i, count, DEFAULT_BOX));
    expect(bands[0]!.x).toBeGreaterThanOrEqual(DEFAULT_BOX.left);
    expect(bands.at(-1)!.x + bands.at(-1)!.width).toBeLessThanOrEqual(DEFAULT_BOX.width - DEFAULT_BOX.right);
    for (let i = 1; i < count; i++) expect(bands[i]!.x).toBeGreaterThanOrEqual(bands[i - 1]!.x + bands[i - 1]!.width);
  });
  it("maps 0 to the bottom of the plot and the maximum to its top", () => {
    expect(yOf(0, 10, DEFAULT_BOX)).toBe(DEFAULT_BOX.height - DEFAULT_BOX.bottom);
    expect(yOf(10, 10, DEFAULT_BOX)).toBe(DEFAULT_BOX.top);
    expect(yOf(20, 10, DEFAULT_BOX)).toBe(DEFAULT_BOX.top);
  });
  it("labels the first, middle and last bucket", () => {
    expect(labelledBuckets(60)).toEqual([0, 29, 59]);
    expect(labelledBuckets(2)).toEqual([0, 1]);
    expect(labelledBuckets(1)).toEqual([0]);
    expect(labelledBuckets(0)).toEqual([]);
  });
});

/**
 * Pure geometry of the admin bar charts: a plot box inside a fixed viewBox, one band per time bucket, and a
 * "nice" axis maximum. No DOM here, so it is unit-tested in Node.
 */

export interface PlotBox {
  /** The SVG viewBox size. */
  width: number;
  height: number;
  /** Margins for the axis labels. */
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const DEFAULT_BOX: PlotBox = { width: 600, height: 220, left: 40, right: 40, top: 12, bottom: 26 };

/** The smallest 1, 2 or 5 × 10^k that is ≥ n (and ≥ 1): a round top for a count axis. */
export function niceCeil(n: number): number {
  if (!(n > 1)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= n) return step * magnitude;
  return 10 * magnitude;
}

/** Horizontal band of bucket `i` of `count`: a bar's x and width, with a gap between neighbours. */
export function bandOf(i: number, count: number, box: PlotBox): { x: number; width: number } {
  const plot = box.width - box.left - box.right;
  const band = plot / count;
  const gap = Math.min(band * 0.2, 2);
  return { x: box.left + i * band + gap / 2, width: Math.max(band - gap, 0.5) };
}

/** Vertical position of `value` on an axis from 0 (bottom of the plot) to `max` (top). */
export function yOf(value: number, max: number, box: PlotBox): number {
  const plot = box.height - box.top - box.bottom;
  return box.top + plot - (Math.min(value, max) / max) * plot;
}

/** Indexes of the buckets to label on the time axis: first, middle and last (fewer when there are fewer). */
export function labelledBuckets(count: number): number[] {
  if (count <= 0) return [];
  return [...new Set([0, Math.floor((count - 1) / 2), count - 1])];
}

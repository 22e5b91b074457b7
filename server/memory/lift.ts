/**
 * Lift (pure): workflow completion with suggestions (sessions outside the holdout) against without (the
 * holdout), and the difference with a 95 % confidence interval — Newcombe's hybrid score interval for a
 * difference of two independent proportions (his method 10, built on Wilson score intervals), which stays
 * inside [-1, 1] and behaves with small groups and rates near 0 or 1, where the plain Wald interval does not.
 */
export const Z95 = 1.959963984540054;

/** Wilson score interval of k successes in n. */
export function wilson(k: number, n: number, z = Z95): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** p1 − p2 with Newcombe's hybrid score interval, or null when a group is empty. */
export function newcombeDifference(k1: number, n1: number, k2: number, n2: number, z = Z95): { difference: number; low: number; high: number } | null {
  if (n1 === 0 || n2 === 0) return null;
  const p1 = k1 / n1;
  const p2 = k2 / n2;
  const a = wilson(k1, n1, z);
  const b = wilson(k2, n2, z);
  const d = p1 - p2;
  return {
    difference: d,
    low: d - Math.sqrt((p1 - a.low) ** 2 + (b.high - p2) ** 2),
    high: d + Math.sqrt((a.high - p1) ** 2 + (p2 - b.low) ** 2),
  };
}

export const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

/**
 * Reconnect delays: `base` doubling per consecutive failure up to `max`, with "equal jitter" — a random
 * point in the upper half of the nominal delay — so a fleet of clients does not reconnect in lockstep while
 * each wait is still at least half the nominal one and the waits keep growing.
 */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const nominal = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures));
  return Math.round(nominal / 2 + random() * (nominal / 2));
}

/**
 * Timers with computed delays. Node waits at most 2^31−1 ms (about 24.8 days); a longer delay — one
 * derived from a client's timestamp, say — is replaced by 1 ms with a TimeoutOverflowWarning, so a re-check
 * meant for next month fires at once, forever. Every setTimeout whose delay is computed goes through here.
 */

/** The longest delay Node's timers can wait. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** `ms` as a delay a timer can honour: at least 0, at most MAX_TIMER_DELAY_MS (early is the safe side). */
export function timerDelay(ms: number): number {
  if (Number.isNaN(ms)) return 0;
  return Math.min(Math.max(0, Math.ceil(ms)), MAX_TIMER_DELAY_MS);
}

/** setTimeout with the delay clamped, unref'd: a background timer never keeps the process alive. */
export function startTimer(fn: () => void, delayMs: number): NodeJS.Timeout {
  const timer = setTimeout(fn, timerDelay(delayMs));
  timer.unref();
  return timer;
}

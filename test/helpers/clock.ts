import type { Clock } from "../../server/clock.js";

/** A wall clock that tests move by hand; starts at the real time so action timestamps stay plausible. */
export function createManualClock(start = Date.now()): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
    set(ms) {
      now = ms;
    },
  };
}

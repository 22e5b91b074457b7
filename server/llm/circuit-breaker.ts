/**
 * A circuit breaker for the LLM: after `failures` consecutive failures it opens and callers use the rules
 * model instead; after `cooldownMs` it lets exactly one probe through (half-open). The probe's success closes
 * it, its failure opens it for another cool-off. Time comes from the injected clock.
 */
import type { Clock } from "../clock.js";

export type BreakerState = "closed" | "open" | "half_open";

export interface CircuitBreaker {
  state(): BreakerState;
  /** Whether a call may go ahead now; in half-open only the first caller (the probe) gets true. */
  tryAcquire(): boolean;
  onSuccess(): void;
  onFailure(): void;
  /** A call that ended without a verdict (cancelled): frees the probe slot without counting. */
  onCancel(): void;
}

export function createCircuitBreaker(options: { failures: number; cooldownMs: number; clock: Clock }): CircuitBreaker {
  let state: BreakerState = "closed";
  let consecutive = 0;
  let openedAt = 0;
  let probing = false;

  const current = (): BreakerState => {
    if (state === "open" && options.clock.now() - openedAt >= options.cooldownMs) state = "half_open";
    return state;
  };

  return {
    state: current,
    tryAcquire() {
      const s = current();
      if (s === "closed") return true;
      if (s === "open" || probing) return false;
      probing = true;
      return true;
    },
    onSuccess() {
      consecutive = 0;
      probing = false;
      state = "closed";
    },
    onFailure() {
      consecutive++;
      if (current() === "half_open" || consecutive >= options.failures) {
        state = "open";
        openedAt = options.clock.now();
      }
      probing = false;
    },
    onCancel() {
      probing = false;
    },
  };
}

/**
 * Clients' clocks are not ours. A timestamp further into the future than the allowed skew
 * (CLIENT_CLOCK_SKEW_MS) is recorded at receive time: dwell, rage-click spans and re-check timers then
 * work from plausible times. The sender's value still decides the dedupe key (a re-delivery is still a
 * duplicate) and travels unchanged in the outbound stream's event.
 */

/** Float Unix seconds as recorded; 0 (no timestamp) stays 0. */
export function recordedSeconds(clientSeconds: number, receivedAtMs: number, maxSkewMs: number): number {
  return clientSeconds * 1000 > receivedAtMs + maxSkewMs ? receivedAtMs / 1000 : clientSeconds;
}

/** An action's start and end as stored. */
export function recordedTimes(a: { timestamp_start: number; timestamp_end: number }, receivedAtMs: number, maxSkewMs: number) {
  return {
    timestampStart: recordedSeconds(a.timestamp_start, receivedAtMs, maxSkewMs),
    timestampEnd: recordedSeconds(a.timestamp_end, receivedAtMs, maxSkewMs),
  };
}

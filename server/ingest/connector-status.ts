/**
 * What the connector reports about itself (to /readyz now, to /metrics later), and the upstream answers that
 * stop it for good.
 */

/**
 * `standby`: this instance does not hold the connector lease (another instance runs the subscription, or
 * none has won it yet). Ready: a follower is not at fault for not subscribing.
 */
export type ConnectorState = "standby" | "connecting" | "connected" | "backoff" | "fatal" | "stopped";

export interface ConnectorStatus {
  state: ConnectorState;
  /** CONNECTOR_URL without query string or credentials. */
  url: string;
  connects: number;
  reconnects: number;
  /** Failed attempts since the last successful connect (drives the backoff). */
  consecutiveFailures: number;
  lastEventId: string | null;
  events: number;
  accepted: number;
  duplicates: number;
  invalidFrames: number;
  lastError: string | null;
  lastConnectedAt: number | null;
  nextRetryAt: number | null;
  /** Why the connector gave up (state `fatal`). */
  fatalReason: string | null;
}

/** Upstream answers that no retry can fix, and what each one means. */
export const FATAL_STATUS: Record<number, string> = {
  401: "the upstream refused CONNECTOR_TOKEN (401 Unauthorized)",
  403: "the upstream does not let CONNECTOR_TOKEN read this stream (403 Forbidden)",
  404: "the upstream has no stream at CONNECTOR_URL (404 Not Found)",
};

/** Origin and path only: a query string or user-info could carry credentials. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/**
 * Model calls per client address (MODEL_CALLS_PER_ADDRESS_PER_HOUR). The per-conversation budget alone lets
 * one address open fresh anonymous sessions and get a fresh budget with each; this one counts every model
 * call public traffic causes — chat replies (the widget's address), suggestions and rolling summaries (the
 * address that last sent the session's capture events) — against the address, so its LLM spend is bounded
 * whatever it opens.
 *
 * Over budget the caller answers from the rules (never an error) and says why: chat logs it (debug), a
 * suggestion decision records `modelError: "address_budget"`, a summary is extractive, and /metrics counts it as
 * `pilotlight_model_errors_total{code="address_budget"}` (plus the limiter's `pilotlight_rate_limited_total`).
 *
 * Sessions fed only by authenticated sources (push, connector, PostHog) have no public address and are not
 * counted here. Both stores are bounded: the counters by the rate limiter's store, the session → address
 * map by `maxSessions` (least recently noted first out).
 */
import type { Metrics } from "../metrics.js";

export interface AddressBudgetDeps {
  /** Counts one model call for an address key and says whether it is within the budget (a rate limiter). */
  limiter: { checkKey(key: string): Promise<{ allowed: boolean }> };
  /** The budget's key for an address (IPv6 reduced to its /56, as every address-keyed limit does). */
  keyOf: (address: string) => string;
  metrics: Metrics;
  /** Sessions whose address is remembered at most. */
  maxSessions: number;
  /** False when MODEL_CALLS_PER_ADDRESS_PER_HOUR is 0 or no LLM is configured: everything is admitted. */
  enabled: boolean;
  /**
   * False while the model refuses calls (its circuit breaker is open): the caller's call would be answered by the
   * rules without reaching the model, so it is admitted and not counted. Otherwise an outage would use up every
   * active address's budget, and the model would stay out of reach for them for an hour after it recovered.
   */
  modelTakesCalls: () => boolean;
}

export interface AddressBudget {
  /** A session's public (capture) traffic came from this address: its suggestions count against it. */
  noteSession(productId: string, sessionKey: string, address: string | undefined): void;
  /** One model call for this address; false when over budget. An unknown address is not counted. */
  admitAddress(address: string | undefined): Promise<boolean>;
  /** One model call for a session, counted against the address that last fed it publicly (if any). */
  admitSession(productId: string, sessionKey: string): Promise<boolean>;
  /** Sessions whose address is remembered now. */
  sessions(): number;
}

const sessionKeyOf = (productId: string, sessionKey: string) => `${productId}\n${sessionKey}`;

export function createAddressBudget(deps: AddressBudgetDeps): AddressBudget {
  const addressOfSession = new Map<string, string>();

  async function admitAddress(address: string | undefined): Promise<boolean> {
    if (!deps.enabled || address === undefined || !deps.modelTakesCalls()) return true;
    const { allowed } = await deps.limiter.checkKey(deps.keyOf(address));
    if (!allowed) deps.metrics.modelErrors.inc({ code: "address_budget" });
    return allowed;
  }

  return {
    noteSession(productId, sessionKey, address) {
      if (!deps.enabled || address === undefined) return;
      const key = sessionKeyOf(productId, sessionKey);
      // Delete first so the key moves to the end: the Map's order is least recently noted first.
      addressOfSession.delete(key);
      while (addressOfSession.size >= deps.maxSessions) addressOfSession.delete(addressOfSession.keys().next().value as string);
      addressOfSession.set(key, address);
    },
    admitAddress,
    admitSession: (productId, sessionKey) => admitAddress(addressOfSession.get(sessionKeyOf(productId, sessionKey))),
    sessions: () => addressOfSession.size,
  };
}

import { signConnector, signPilotlight } from "../../server/ingest/push-signature.js";
import { TEST_SECRETS } from "./test-server.js";

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Headers for a push webhook signed with the timestamped scheme. */
export function pilotlightHeaders(body: string, secret: string = TEST_SECRETS.PUSH_SECRET, t = nowSeconds()) {
  return { "content-type": "application/json", "x-pilotlight-signature": signPilotlight(secret, body, t) };
}

/** Headers for a push webhook signed with Autoplay's connector scheme. */
export function connectorHeaders(body: string, secret: string = TEST_SECRETS.PUSH_SECRET) {
  return { "content-type": "application/json", "x-connector-signature": signConnector(secret, body) };
}

/** POSTs a signed Autoplay event to the push webhook with fetch. */
export async function pushEvent(baseUrl: string, event: unknown, scheme: "pilotlight" | "connector" = "pilotlight") {
  const body = typeof event === "string" ? event : JSON.stringify(event);
  const headers = scheme === "pilotlight" ? pilotlightHeaders(body) : connectorHeaders(body);
  const res = await fetch(`${baseUrl}/v1/webhooks/actions`, { method: "POST", headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export const adminHeaders = { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` };

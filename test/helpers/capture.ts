/** Helpers for `POST /v1/capture`: build batches of raw browser events and send them like a browser would. */
import type { CaptureBatch, RawEvent } from "../../server/contracts/capture.js";
import { TEST_SECRETS } from "./test-server.js";

export const ALLOWED_ORIGIN = "https://shop.example.com";

let ts = 1_764_000_000_000;
/** A raw event with a fresh, increasing millisecond timestamp. */
export function rawEvent(type: RawEvent["type"], url: string, target?: RawEvent["target"], extra: Partial<RawEvent> = {}): RawEvent {
  ts += 250;
  return { type, ts, url, ...(target ? { target } : {}), ...extra };
}

export function batch(sessionId: string, events: RawEvent[], extra: Partial<CaptureBatch> = {}): CaptureBatch {
  return { product_key: TEST_SECRETS.PRODUCT_KEY, session_id: sessionId, events, ...extra };
}

export interface SendOptions {
  origin?: string | null;
  contentType?: string;
  /** Further request headers (e.g. X-Forwarded-For). */
  headers?: Record<string, string>;
}

export async function sendCapture(baseUrl: string, body: unknown, options: SendOptions = {}) {
  const headers: Record<string, string> = { "content-type": options.contentType ?? "application/json", ...options.headers };
  const origin = options.origin === undefined ? ALLOWED_ORIGIN : options.origin;
  if (origin !== null) headers.origin = origin;
  const res = await fetch(`${baseUrl}/v1/capture`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(text) as Record<string, any>;
  } catch {
    json = { notJson: text };
  }
  return { status: res.status, headers: res.headers, json };
}

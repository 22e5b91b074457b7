/**
 * The client address of a request as express's `req.ip` gives it — the socket's, or the one the proxies named
 * by TRUST_PROXY vouch for — for code that handles a request without express (the push webhook's fast path).
 * It asks express itself, so the two can never disagree.
 */
import type { IncomingMessage } from "node:http";
import type { Express, Request } from "express";

export function clientAddressOf(app: Express): (req: IncomingMessage) => string | undefined {
  return (req) => {
    // A view of the raw request with express's request prototype (whose `ip` getter reads `app`'s settings).
    const view = Object.create(app.request, { headers: { value: req.headers }, socket: { value: req.socket } }) as Request;
    return view.ip;
  };
}

/**
 * `POST /v1/webhooks/actions` — the Autoplay-compatible push webhook (PROTOCOL.md §2.1) as an express route.
 * Order of checks: content type (415) → size (413) → rate limit (429) → product (404) → signature (401)
 * → JSON (400) → schema (422) → commit → 202; the checks after the body are push-webhook.ts, shared with the
 * fast path (push-fast-path.ts) that serves most requests of this route before they reach express. This
 * route still takes what the fast path leaves to it: compressed bodies (express.raw inflates them).
 */
import { Router } from "express";
import type { Metrics } from "../metrics.js";
import { countIngestRejections, type RefusalNotes } from "./http-metrics.js";
import { rawBody, requireJson } from "./json-body.js";
import type { PushWebhook } from "./push-webhook.js";

export interface WebhookRouteDeps {
  push: PushWebhook;
  maxBodyBytes: number;
  metrics: Metrics;
  /** Refusals are noted for the admin Installation panel. */
  refusalNotes?: RefusalNotes;
}

export const PUSH_ROUTE = "/v1/webhooks/actions";

export function webhookRoutes(deps: WebhookRouteDeps): Router {
  const router = Router();
  router.post(PUSH_ROUTE, countIngestRejections(deps.metrics, "push", deps.refusalNotes), requireJson, rawBody(deps.maxBodyBytes), (req, res, next) => {
    deps.push.accept(
      { raw: req.body as Buffer, headers: req.headers, address: req.ip, onProduct: (id) => (res.locals.productId = id) },
      (name, value) => res.setHeader(name, value),
      (error, result) => (error === undefined ? res.status(202).json(result) : next(error)),
    );
  });
  return router;
}

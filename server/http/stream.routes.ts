/**
 * `GET /v1/stream/:productId` — the Autoplay-compatible outbound SSE stream (PROTOCOL.md §3.1).
 * Order of checks: bearer stream token (401) → product (404) → query and Last-Event-ID (422/400) → stream.
 * Without a valid token an unknown product answers exactly like a known one with a wrong token (401), so
 * products cannot be probed for; only a holder of some product's stream token learns that an id is unknown.
 */
import type { AsyncProductRepository } from "../../db/store.js";
import { Router } from "express";
import { z } from "zod";
import { BadRequestError, NotFoundError, UnauthorizedError, ValidationError } from "../errors.js";
import { issuesOf } from "../ingest/parse-event.js";
import type { StreamHub } from "../streams/stream-hub.js";
import { tokenMatches } from "../products/secrets.js";
import { bearerToken } from "./admin-auth.js";
import { stripNul, withoutNul } from "../contracts/without-nul.js";
import { parseInput } from "../contracts/parse-input.js";

export interface StreamRouteDeps {
  products: AsyncProductRepository;
  hub: StreamHub;
}

/** An SSE event id as Pilotlight issues them: a non-negative integer. */
const EventIdSchema = z
  .string()
  .trim()
  .regex(/^\d{1,15}$/, "must be an event id Pilotlight sent (a non-negative integer)")
  .transform(Number);

const QuerySchema = z.object({
  session_id: z.string().trim().min(1, "must not be empty").max(256, "must be at most 256 characters").optional(),
  /** For clients that cannot set headers; the Last-Event-ID header wins when both are sent. */
  last_event_id: EventIdSchema.optional(),
});

export function streamRoutes(deps: StreamRouteDeps): Router {
  const router = Router();
  router.get("/v1/stream/:productId", async (req, res) => {
    const productId = stripNul(String(req.params.productId));
    const token = bearerToken(req.headers.authorization, "stream token");
    const product = await deps.products.findById(productId);
    if (!product || !tokenMatches(token, product.streamTokenHash)) {
      if (!product && (await deps.products.list()).some((p) => tokenMatches(token, p.streamTokenHash))) {
        throw new NotFoundError("unknown_product", `unknown product ${JSON.stringify(productId.slice(0, 64))}`);
      }
      throw new UnauthorizedError("bad_token", "the bearer token is not this product's stream token");
    }

    const query = parseInput(QuerySchema, withoutNul(req.query));
    if (!query.success) throw new ValidationError("invalid query", issuesOf(query.error));
    let afterId = query.data.last_event_id ?? null;
    const header = req.get("last-event-id");
    if (header !== undefined && header.trim() !== "") {
      const parsed = EventIdSchema.safeParse(header);
      if (!parsed.success) {
        throw new BadRequestError("invalid_last_event_id", "Last-Event-ID must be an event id Pilotlight sent (a non-negative integer)");
      }
      afterId = parsed.data;
    }
    await deps.hub.open(res, { productId: product.id, sessionKey: query.data.session_id ?? null, afterId });
  });
  return router;
}

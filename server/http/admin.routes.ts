/**
 * Admin JSON for the /admin page: `GET /v1/admin/sessions`, `/v1/admin/suggestions`, `/v1/admin/stats`
 * (bearer ADMIN_TOKEN). Queries are validated strictly: a bad one is a 422 naming each problem. Answers
 * carry users' activity, so nothing may cache them.
 */
import { Router, type RequestHandler, type Response } from "express";
import type { z } from "zod";
import { SessionsQuerySchema, StatsQuerySchema, SuggestionsQuerySchema } from "../admin/admin-queries.schema.js";
import type { AdminService } from "../admin/admin-service.js";
import { InvalidQueryError } from "../errors.js";
import { describeIssues, issuesOf } from "../ingest/parse-event.js";

export interface AdminRouteDeps {
  admin: AdminService;
  /** Admin bearer auth, applied per route so its failures are counted under the route's pattern. */
  auth: RequestHandler;
}

function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const result = schema.safeParse(query);
  if (!result.success) {
    // Zod names an unknown key at the root, which parse-event's paths call "(body)".
    const issues = issuesOf(result.error).map((i) => (i.path === "(body)" ? { ...i, path: "(query)" } : i));
    throw new InvalidQueryError(`invalid query: ${describeIssues(issues)}`, issues);
  }
  return result.data;
}

const send = (res: Response, body: unknown) => res.set("Cache-Control", "no-store").json(body);

export function adminRoutes(deps: AdminRouteDeps): Router {
  const router = Router();
  const { admin, auth } = deps;
  router.get("/v1/admin/sessions", auth, (req, res) => send(res, admin.sessions(parseQuery(SessionsQuerySchema, req.query))));
  router.get("/v1/admin/suggestions", auth, (req, res) => send(res, admin.suggestions(parseQuery(SuggestionsQuerySchema, req.query))));
  router.get("/v1/admin/stats", auth, (req, res) => send(res, admin.stats(parseQuery(StatsQuerySchema, req.query))));
  return router;
}

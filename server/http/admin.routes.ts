/**
 * Admin JSON for the /admin page (bearer ADMIN_TOKEN): sessions, suggestions, stats and lift, installation,
 * search, per-product workflows, and a user's memory or a session's task analysis. Queries are validated strictly: a bad one is a 422 naming each problem. Answers
 * carry users' activity, so nothing may cache them.
 */
import { Router, type RequestHandler, type Response } from "express";
import type { z } from "zod";
import { LiftQuerySchema, PathIdSchema, ProductQuerySchema, SearchQuerySchema, SessionsQuerySchema, StatsQuerySchema, SuggestionsQuerySchema } from "../admin/admin-queries.schema.js";
import type { AdminService } from "../admin/admin-service.js";
import { InvalidQueryError } from "../errors.js";
import { describeIssues, issuesOf } from "../ingest/parse-event.js";
import { parseJson, rawBody, requireJson } from "./json-body.js";
import { withoutNul } from "../contracts/without-nul.js";
import { parseInput } from "../contracts/parse-input.js";

export interface AdminRouteDeps {
  admin: AdminService;
  /** Admin bearer auth, applied per route so its failures are counted under the route's pattern. */
  auth: RequestHandler;
  maxBodyBytes: number;
}

function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const result = parseInput(schema, withoutNul(query));
  if (!result.success) {
    // Zod names an unknown key at the root, which parse-event's paths call "(body)".
    const issues = issuesOf(result.error).map((i) => (i.path === "(body)" ? { ...i, path: "(query)" } : i));
    throw new InvalidQueryError(`invalid query: ${describeIssues(issues)}`, issues);
  }
  return result.data;
}

/** A path parameter, checked like a query value (422 invalid_query naming it). */
function parsePathId(value: unknown, name: string): string {
  const result = parseInput(PathIdSchema, withoutNul(value));
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: `:${name}`, message: i.message }));
    throw new InvalidQueryError(`invalid ${name}: ${describeIssues(issues)}`, issues);
  }
  return result.data;
}

/** Answers with what the admin use case resolves to (a rejection reaches the error handler). */
const send = async (res: Response, body: Promise<unknown>) => {
  const value = await body;
  res.set("Cache-Control", "no-store").json(value);
};

export function adminRoutes(deps: AdminRouteDeps): Router {
  const router = Router();
  const { admin, auth } = deps;
  router.get("/v1/admin/sessions", auth, (req, res) => send(res, admin.sessions(parseQuery(SessionsQuerySchema, req.query))));
  router.get("/v1/admin/suggestions", auth, (req, res) => send(res, admin.suggestions(parseQuery(SuggestionsQuerySchema, req.query))));
  router.get("/v1/admin/stats", auth, (req, res) => send(res, admin.stats(parseQuery(StatsQuerySchema, req.query))));
  router.get("/v1/admin/installation", auth, (req, res) => send(res, admin.installation(parseQuery(ProductQuerySchema, req.query))));
  router.get("/v1/admin/search", auth, (req, res) => send(res, admin.search(parseQuery(SearchQuerySchema, req.query))));
  // Workflows per product: read, validate with a preview (nothing stored), replace.
  const body = [requireJson, rawBody(deps.maxBodyBytes)];
  router.get("/v1/admin/workflows", auth, (req, res) => send(res, admin.workflows(parseQuery(ProductQuerySchema, req.query))));
  router.post("/v1/admin/workflows/validate", auth, ...body, (req, res) =>
    send(res, admin.validateWorkflows(parseQuery(ProductQuerySchema, req.query), parseJson(req.body as Buffer))),
  );
  router.put("/v1/admin/workflows", auth, ...body, (req, res) =>
    send(res, admin.replaceWorkflows(parseQuery(ProductQuerySchema, req.query), parseJson(req.body as Buffer))),
  );
  router.get("/v1/admin/stats/lift", auth, (req, res) => send(res, admin.lift(parseQuery(LiftQuerySchema, req.query))));
  router.get("/v1/admin/users/:userId/memory", auth, (req, res) =>
    send(res, admin.userMemory(parsePathId(req.params.userId, "userId"), parseQuery(ProductQuerySchema, req.query))),
  );
  router.get("/v1/admin/sessions/:sessionId/analysis", auth, (req, res) =>
    send(res, admin.sessionAnalysis(parsePathId(req.params.sessionId, "sessionId"), parseQuery(ProductQuerySchema, req.query))),
  );
  return router;
}

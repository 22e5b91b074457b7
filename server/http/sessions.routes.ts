/**
 * Admin read model: `GET /v1/sessions/:sessionId/context` — what the copilot sees for a session.
 * Sessions are scoped by product; `?product_id=` picks one (default: the default product).
 */
import { Router, type RequestHandler } from "express";
import { z } from "zod";
import type { Repositories } from "../../db/repositories.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import { NotFoundError, ValidationError } from "../errors.js";
import { issuesOf } from "../ingest/parse-event.js";
import { loadSessionContext, type SessionContext } from "../sessions/session-context.js";
import { describeSuggestions } from "../suggest/suggestion-view.js";
import type { Workflow } from "../workflows/workflows.schema.js";

export interface SessionRouteDeps {
  repos: Repositories;
  defaultProductId: string;
  windowSize: number;
  config: Config;
  clock: Clock;
  workflows: readonly Workflow[];
  /** Admin bearer auth, applied per route so its failures are counted under the route's pattern. */
  auth: RequestHandler;
}

const QuerySchema = z.object({ product_id: z.string().min(1).max(64).optional() });

const iso = (ms: number) => new Date(ms).toISOString();

/** `suggestions` (workflow position, gate, last suggestions and decisions) is added when given. */
export function presentContext(ctx: SessionContext, suggestions?: ReturnType<typeof describeSuggestions>) {
  const { session, summary } = ctx;
  return {
    product_id: session.productId,
    session_id: session.sessionKey,
    user_id: session.userId,
    email: session.email,
    goal: session.goal,
    goal_source: session.goalSource,
    first_seen_at: iso(session.firstSeenAt),
    last_seen_at: iso(session.lastSeenAt),
    counts: {
      actions: ctx.counts.actions,
      in_window: ctx.counts.inWindow,
      summarized: ctx.counts.summarized,
      by_type: ctx.counts.byType,
    },
    summary: summary && {
      text: summary.text,
      replaces: summary.replaces,
      source: summary.source,
      updated_at: iso(summary.createdAt),
    },
    recent_actions: ctx.window,
    text: ctx.text,
    ...(suggestions
      ? { workflow: suggestions.workflow, prompt: suggestions.prompt, gate: suggestions.gate, suggestions: suggestions.suggestions, decisions: suggestions.decisions }
      : {}),
  };
}

export function sessionRoutes(deps: SessionRouteDeps): Router {
  const router = Router();
  router.get("/v1/sessions/:sessionId/context", deps.auth, (req, res) => {
    const query = QuerySchema.safeParse(req.query);
    if (!query.success) throw new ValidationError("invalid query", issuesOf(query.error));
    const productId = query.data.product_id ?? deps.defaultProductId;
    const sessionId = String(req.params.sessionId);
    const ctx = loadSessionContext(deps.repos, productId, sessionId, deps.windowSize);
    if (!ctx) {
      throw new NotFoundError("unknown_session", `no session ${JSON.stringify(sessionId.slice(0, 256))} in product ${JSON.stringify(productId)}`);
    }
    res.json(presentContext(ctx, describeSuggestions(deps, ctx, deps.clock.now())));
  });
  return router;
}

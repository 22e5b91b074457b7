/**
 * Admin read model (PROTOCOL.md §4): `GET /v1/sessions/:sessionId/context` — what the copilot sees for a
 * session — and `GET /v1/conversations/:conversationId`. Sessions are scoped by product; `?product_id=`
 * picks one (default: the default product).
 */
import { Router, type RequestHandler } from "express";
import { z } from "zod";
import type { RepositoryPorts } from "../../db/store.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import { NotFoundError, ValidationError } from "../errors.js";
import { issuesOf } from "../ingest/parse-event.js";
import { loadSessionContext, type SessionContext } from "../sessions/session-context.js";
import { describeSuggestions } from "../suggest/suggestion-view.js";
import type { WorkflowSource } from "../workflows/workflow-catalog.js";
import { stripNul, withoutNul } from "../contracts/without-nul.js";
import { parseInput } from "../contracts/parse-input.js";

export interface SessionRouteDeps {
  repos: RepositoryPorts;
  defaultProductId: string;
  windowSize: number;
  config: Config;
  clock: Clock;
  workflows: WorkflowSource;
  /** Admin bearer auth, applied per route so its failures are counted under the route's pattern. */
  auth: RequestHandler;
}

const QuerySchema = z.object({ product_id: z.string().min(1).max(64).optional() });

const iso = (ms: number) => new Date(ms).toISOString();

/** The newest messages a conversation view shows (the widget's sync gives the whole thread). */
const MESSAGES_SHOWN = 200;

/** `suggestions` (workflow position, gate, last suggestions and decisions) is added when given. */
export function presentContext(
  ctx: SessionContext,
  suggestions?: Awaited<ReturnType<typeof describeSuggestions>>,
  conversation?: { conversation_id: string; link_kind: string; linked_at: string },
) {
  const { session, summary } = ctx;
  return {
    product_id: session.productId,
    session_id: session.sessionKey,
    user_id: session.userId,
    owner_id: session.ownerId,
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
    conversation: conversation ?? null,
    ...(suggestions
      ? { workflow: suggestions.workflow, prompt: suggestions.prompt, gate: suggestions.gate, suggestions: suggestions.suggestions, decisions: suggestions.decisions }
      : {}),
  };
}

export function sessionRoutes(deps: SessionRouteDeps): Router {
  const router = Router();
  router.get("/v1/sessions/:sessionId/context", deps.auth, async (req, res) => {
    const query = parseInput(QuerySchema, withoutNul(req.query));
    if (!query.success) throw new ValidationError("invalid query", issuesOf(query.error));
    const productId = query.data.product_id ?? deps.defaultProductId;
    const sessionId = stripNul(String(req.params.sessionId));
    const ctx = await loadSessionContext(deps.repos, productId, sessionId, deps.windowSize);
    if (!ctx) {
      throw new NotFoundError("unknown_session", `no session ${JSON.stringify(sessionId.slice(0, 256))} in product ${JSON.stringify(productId)}`);
    }
    const link = await deps.repos.conversations.linkOf(ctx.session.id);
    const conversation = link && { conversation_id: link.conversationId, link_kind: link.kind, linked_at: iso(link.linkedAt) };
    res.json(presentContext(ctx, await describeSuggestions(deps, ctx, deps.clock.now()), conversation));
  });

  // What the copilot sees of one conversation: its messages, the sessions linked to it (with the context
  // of the most recent one) and the last suggestions shown in it.
  router.get("/v1/conversations/:conversationId", deps.auth, async (req, res) => {
    const conversationId = stripNul(String(req.params.conversationId));
    const conversation = await deps.repos.conversations.findById(conversationId);
    if (!conversation) throw new NotFoundError("unknown_conversation", `no conversation ${JSON.stringify(conversationId.slice(0, 100))}`);
    const links = await deps.repos.conversations.linksOf(conversation.id);
    const latest = [...links].sort((a, b) => b.linkedAt - a.linkedAt)[0];
    const ctx = latest && (await loadSessionContext(deps.repos, conversation.productId, latest.sessionId, deps.windowSize));
    res.json({
      conversation_id: conversation.id,
      product_id: conversation.productId,
      /** The verified user the conversation belongs to (null: anonymous). */
      user_id: conversation.userId,
      created_at: iso(conversation.createdAt),
      last_message_at: conversation.lastMessageAt === null ? null : iso(conversation.lastMessageAt),
      sessions: links.map((l) => ({ session_id: l.sessionId, link_kind: l.kind, linked_at: iso(l.linkedAt) })),
      messages: (await deps.repos.messages.recent(conversation.id, MESSAGES_SHOWN)).map((m) => ({
        id: m.id,
        seq: m.seq,
        role: m.role,
        text: m.text,
        suggestion_id: m.suggestionId,
        created_at: iso(m.createdAt),
      })),
      context: ctx ? presentContext(ctx, await describeSuggestions(deps, ctx, deps.clock.now())) : null,
    });
  });
  return router;
}

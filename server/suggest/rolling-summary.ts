/**
 * Rolling summary: when a session has more than SUMMARY_THRESHOLD unsummarised actions, the oldest fold into
 * a new summary (source `rolling`) that takes the previous summary as input, leaving SUMMARY_KEEP_ACTIONS in
 * the window. `covers_through_action_id` moves, so folded actions leave the context window and the prompt.
 * The LLM writes it when configured and the gateway's breaker allows; otherwise (or when it fails) it is extractive.
 */
import type { Repositories } from "../../db/repositories.js";
import type { Clock } from "../clock.js";
import { LlmError } from "../errors.js";
import { rollingSummaryDedupeKey } from "../ingest/dedupe-key.js";
import type { Logger } from "../logger.js";
import { toSlimAction } from "../sessions/session-context.js";
import type { WorkflowSource } from "../workflows/workflow-catalog.js";
import type { LlmClient } from "../llm/llm-port.js";
import type { PromptLimits } from "../llm/prompt-fence.js";
import { buildExtractiveSummary, MAX_SUMMARY_TEXT } from "./extractive-summary.js";
import { parseSummaryReply } from "./llm-reply.js";
import { buildSummaryPrompt } from "./prompt-builder.js";

export interface RollingSummaryDeps {
  repos: Repositories;
  clock: Clock;
  logger: Logger;
  workflows: WorkflowSource;
  threshold: number;
  keep: number;
  limits: PromptLimits;
  /** The LLM gateway when one is configured. */
  llm: LlmClient | null;
}

export interface FoldResult {
  summaryId: number;
  folded: number;
  writer: "llm" | "extractive";
}

export function createRollingSummarizer(deps: RollingSummaryDeps) {
  const { repos, clock, logger } = deps;

  async function write(productId: string, previous: string | null, actions: ReturnType<typeof toSlimAction>[], signal: AbortSignal) {
    const llm = deps.llm;
    if (llm) {
      try {
        const res = await llm.complete(buildSummaryPrompt({ previous, actions, limits: deps.limits }), { signal, maxTokens: 400, temperature: 0 });
        const text = parseSummaryReply(res.text, MAX_SUMMARY_TEXT);
        if (text) return { text, writer: "llm" as const };
      } catch (err) {
        if (signal.aborted || (err instanceof LlmError && err.code === "llm_aborted")) throw err;
        const code = err instanceof LlmError ? err.code : "unknown";
        if (code !== "llm_breaker_open") logger.warn({ code }, "LLM summary failed; writing an extractive one");
      }
    }
    return { text: buildExtractiveSummary(previous, actions, deps.workflows.forProduct(productId)), writer: "extractive" as const };
  }

  return {
    /** Folds the oldest actions when the window is over the threshold; undefined when nothing needed folding. */
    async maybeFold(sessionRef: number, signal: AbortSignal): Promise<FoldResult | undefined> {
      const previous = repos.summaries.latest(sessionRef);
      const covered = previous?.coversThroughActionId ?? 0;
      const pending = repos.actions.countAfter(sessionRef, covered);
      if (pending <= deps.threshold) return undefined;
      const session = repos.sessions.findById(sessionRef);
      if (!session) return undefined;
      const fold = repos.actions.oldest(sessionRef, covered, pending - deps.keep);
      const last = fold.at(-1);
      if (!last) return undefined;
      const slim = fold.map((a, i) => toSlimAction(a, i, session.sessionKey));
      const { text, writer } = await write(session.productId, previous?.text ?? null, slim, signal);
      if (signal.aborted) return undefined;
      const summaryId = repos.transaction(() => {
        // A pushed summary may have arrived while the LLM was writing; never move the window backwards.
        const latest = repos.summaries.latest(sessionRef);
        if ((latest?.coversThroughActionId ?? 0) >= last.id) return undefined;
        return repos.summaries.insert({
          sessionRef,
          dedupeKey: rollingSummaryDedupeKey(last.id),
          text,
          // The session's actions from its start that this summary stands for (the previous one's, plus these).
          replaces: (latest?.replaces ?? 0) + fold.length,
          coversThroughActionId: last.id,
          source: "rolling",
          forwardedAt: null,
          createdAt: clock.now(),
        });
      });
      if (summaryId === undefined) return undefined;
      logger.debug({ sessionRef, folded: fold.length, writer }, "rolling summary written");
      return { summaryId, folded: fold.length, writer };
    },
  };
}

export type RollingSummarizer = ReturnType<typeof createRollingSummarizer>;

/**
 * Rolling summary: when a session has more than SUMMARY_THRESHOLD unsummarised actions, the oldest fold into
 * a new summary (source `rolling`) that takes the previous summary as input, leaving SUMMARY_KEEP_ACTIONS in
 * the window. `covers_through_action_id` moves, so folded actions leave the context window and the prompt.
 * The LLM writes it when configured and the gateway's breaker allows; otherwise (or when it fails) it is extractive.
 * The evaluation reads the session's unsummarised actions once and hands the oldest here; the summary is
 * stored with the rest of what the evaluation stores, in one piece of the group commit.
 */
import type { StoredAction } from "../../db/action.repository.js";
import type { RepositoryPorts } from "../../db/store.js";
import type { Session } from "../../db/session.repository.js";
import type { StoredSummary } from "../../db/summary.repository.js";
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
  repos: RepositoryPorts;
  clock: Clock;
  logger: Logger;
  workflows: WorkflowSource;
  threshold: number;
  keep: number;
  limits: PromptLimits;
  /** The LLM gateway when one is configured. */
  llm: LlmClient | null;
  /** MODEL_CALLS_PER_ADDRESS_PER_HOUR: whether the session's public address may cause one more model call; absent: always. */
  admitLlm?: (productId: string, sessionKey: string) => Promise<boolean>;
}

/** A summary written for the oldest unsummarised actions, not stored yet. */
export interface Fold {
  text: string;
  writer: "llm" | "extractive";
  folded: number;
  /** The last action it folds in: the window starts after it. */
  coversThroughActionId: number;
  /**
   * Stores it; call inside a transaction (the evaluation's piece of the group commit). Returns its id, or
   * undefined when a newer summary (pushed meanwhile) already covers as much — the window never moves back.
   */
  store(tx: RepositoryPorts): Promise<number | undefined>;
}

export function createRollingSummarizer(deps: RollingSummaryDeps) {
  const { clock, logger } = deps;

  async function write(session: Session, previous: string | null, actions: ReturnType<typeof toSlimAction>[], signal: AbortSignal, db?: RepositoryPorts) {
    const { productId } = session;
    const llm = deps.llm;
    // Over its address's budget the session's summary is extractive, like the breaker's answer.
    if (llm && (!deps.admitLlm || (await deps.admitLlm(productId, session.sessionKey)))) {
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
    return { text: buildExtractiveSummary(previous, actions, await deps.workflows.forProduct(productId, db)), writer: "extractive" as const };
  }

  return {
    /** How many of a session's `pending` unsummarised actions fold into a new summary (0: under the threshold). */
    foldCount: (pending: number): number => (pending > deps.threshold ? pending - deps.keep : 0),

    /**
     * Writes the summary of `actions` (the oldest unsummarised ones, oldest first) on top of `previous`;
     * undefined when there is nothing to fold or the call was aborted. Stores nothing: see `Fold.store`.
     * `db`: the caller's open transaction, when it folds inside one.
     */
    async fold(session: Session, previous: StoredSummary | null, actions: readonly StoredAction[], signal: AbortSignal, db?: RepositoryPorts): Promise<Fold | undefined> {
      const last = actions.at(-1);
      if (!last) return undefined;
      const slim = actions.map((a, i) => toSlimAction(a, i, session.sessionKey));
      const { text, writer } = await write(session, previous?.text ?? null, slim, signal, db);
      if (signal.aborted) return undefined;
      const folded = actions.length;
      return {
        text,
        writer,
        folded,
        coversThroughActionId: last.id,
        async store(repos: RepositoryPorts) {
          const latest = await repos.summaries.latest(session.id);
          if ((latest?.coversThroughActionId ?? 0) >= last.id) return undefined;
          const summaryId = await repos.summaries.insert({
            sessionRef: session.id,
            dedupeKey: rollingSummaryDedupeKey(last.id),
            text,
            // The session's actions from its start that this summary stands for (the previous one's, plus these).
            replaces: (latest?.replaces ?? 0) + folded,
            coversThroughActionId: last.id,
            source: "rolling",
            forwardedAt: null,
            createdAt: clock.now(),
          });
          if (summaryId !== undefined) logger.debug({ sessionRef: session.id, folded, writer }, "rolling summary written");
          return summaryId;
        },
      };
    },
  };
}

export type RollingSummarizer = ReturnType<typeof createRollingSummarizer>;

/**
 * Context assembly for a chat reply (issue 5): activity since the user's previous message, the recent
 * window, summary, goal, workflow position, conversation history, and — for a verified user — their other
 * recent sessions. Read-only; both the LLM prompt and the offline rules reply are built from it.
 */
import type { Message } from "../../db/message.repository.js";
import type { RepositoryPorts } from "../../db/store.js";
import type { SlimAction } from "../ingest/autoplay.schema.js";
import { loadSessionWindowByRef, type SessionWindow } from "../sessions/session-context.js";
import { currentWorkflow, type WorkflowProgress } from "../workflows/workflow-progress.js";
import type { WorkflowSource } from "../workflows/workflow-catalog.js";
import type { Workflow } from "../workflows/workflows.schema.js";

export interface OtherSession {
  sessionId: string;
  lastSeenAt: number;
  goal: string | null;
  summary: string | null;
  /** The last few actions' titles, newest last. */
  lastActions: string[];
}

export interface ChatContext {
  question: string;
  session: SessionWindow | undefined;
  /** Window actions that arrived after the user's previous message (all of the window for a first message). */
  sinceLastMessage: SlimAction[];
  workflow: WorkflowProgress | undefined;
  workflows: readonly Workflow[];
  /** Conversation history before the question, oldest first. */
  history: Message[];
  otherSessions: OtherSession[];
  /** What the user has done before (user memory, issue 14), as lines for the prompt's data block. */
  memory: readonly string[];
}

export interface AssembleOptions {
  windowSize: number;
  historyLimit: number;
  userLookbackMs: number;
  otherSessionsLimit: number;
}

export async function assembleChatContext(
  deps: {
    repos: RepositoryPorts;
    workflows: WorkflowSource;
    now: number;
    /** The user's memory as prompt lines, read against the product's workflows. */
    memoryOf?: (sessionRef: number, workflows: readonly Workflow[], now: number) => Promise<readonly string[]>;
  },
  input: { productId: string; sessionRef: number; userId: string | null; question: Message },
  opts: AssembleOptions,
): Promise<ChatContext> {
  const { repos } = deps;
  const workflows = await deps.workflows.forProduct(input.productId);
  const session = await loadSessionWindowByRef(repos, input.sessionRef, opts.windowSize);
  const window = session?.window ?? [];
  const previous = await repos.messages.lastUserBefore(input.question.conversationId, input.question.seq);
  const sinceLastMessage = previous
    ? window.filter((_, i) => (session?.windowReceivedAt[i] ?? 0) > previous.createdAt)
    : window;
  const history = (await repos.messages.recent(input.question.conversationId, opts.historyLimit + 1)).filter((m) => m.seq < input.question.seq);

  const otherSessions: OtherSession[] = [];
  if (input.userId) {
    const since = deps.now - opts.userLookbackMs;
    for (const ref of await repos.userSessions.recent(input.productId, input.userId, since, opts.otherSessionsLimit + 1)) {
      if (ref.sessionRef === input.sessionRef || otherSessions.length >= opts.otherSessionsLimit) continue;
      const other = await loadSessionWindowByRef(repos, ref.sessionRef, 10);
      if (!other) continue;
      otherSessions.push({
        sessionId: ref.sessionId,
        lastSeenAt: ref.lastSeenAt,
        goal: other.session.goal,
        summary: other.summary?.text ?? null,
        lastActions: other.window.slice(-5).map((a) => a.title),
      });
    }
  }

  return {
    question: input.question.text,
    session,
    sinceLastMessage,
    workflow: currentWorkflow(workflows, window),
    workflows,
    history,
    otherSessions,
    memory: (await deps.memoryOf?.(input.sessionRef, workflows, deps.now)) ?? [],
  };
}

/**
 * Context assembly for a chat reply (issue 5): activity since the user's previous message, the recent
 * window, summary, goal, workflow position, conversation history, and — for a verified user — their other
 * recent sessions. Read-only; both the LLM prompt and the offline rules reply are built from it.
 */
import type { Message } from "../../db/message.repository.js";
import type { Repositories } from "../../db/repositories.js";
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

export function assembleChatContext(
  deps: {
    repos: Repositories;
    workflows: WorkflowSource;
    now: number;
    /** The user's memory as prompt lines, read against the product's workflows. */
    memoryOf?: (sessionRef: number, workflows: readonly Workflow[], now: number) => readonly string[];
  },
  input: { productId: string; sessionRef: number; userId: string | null; question: Message },
  opts: AssembleOptions,
): ChatContext {
  const { repos } = deps;
  const workflows = deps.workflows.forProduct(input.productId);
  const session = loadSessionWindowByRef(repos, input.sessionRef, opts.windowSize);
  const window = session?.window ?? [];
  const previous = repos.messages.lastUserBefore(input.question.conversationId, input.question.seq);
  const sinceLastMessage = previous
    ? window.filter((_, i) => (session?.windowReceivedAt[i] ?? 0) > previous.createdAt)
    : window;
  const history = repos.messages
    .recent(input.question.conversationId, opts.historyLimit + 1)
    .filter((m) => m.seq < input.question.seq);

  const otherSessions: OtherSession[] = [];
  if (input.userId) {
    const since = deps.now - opts.userLookbackMs;
    for (const ref of repos.userSessions.recent(input.productId, input.userId, since, opts.otherSessionsLimit + 1)) {
      if (ref.sessionRef === input.sessionRef || otherSessions.length >= opts.otherSessionsLimit) continue;
      const other = loadSessionWindowByRef(repos, ref.sessionRef, 10);
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
    memory: deps.memoryOf?.(input.sessionRef, workflows, deps.now) ?? [],
  };
}

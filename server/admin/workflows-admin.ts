/**
 * Workflows per product through the admin API: read them, validate an upload (every problem with its
 * path and message), preview which of the last day's sessions each workflow would place, and replace them.
 * The preview reads each session's context window exactly as goal inference and the rules model do.
 */
import type { RepositoryPorts } from "../../db/store.js";
import type { Clock } from "../clock.js";
import { AppError, type IssueDetail } from "../errors.js";
import { describeIssues, issuesOf } from "../ingest/parse-event.js";
import { buildWindow } from "../sessions/session-context.js";
import type { WorkflowCatalog } from "../workflows/workflow-catalog.js";
import { rejectedSubmits } from "../sessions/rejected-submits.js";
import { workflowProgress } from "../workflows/workflow-progress.js";
import { WorkflowsFileSchema, type Workflow } from "../workflows/workflows.schema.js";
import { parseInput } from "../contracts/parse-input.js";

export class InvalidWorkflowsError extends AppError {
  constructor(issues: IssueDetail[]) {
    super("invalid_workflows", `the workflows do not fit the format (PROTOCOL.md §6): ${describeIssues(issues, 10)}`, 422, { issues });
  }
}

/** Sessions the preview reads: the product's most recently active ones of the last day. */
export const PREVIEW_SESSIONS = 500;
const DAY_MS = 86_400_000;
const EXAMPLES = 5;

export interface WorkflowPreview {
  workflow_id: string;
  name: string;
  /** Sessions where at least one step is done. */
  matched: number;
  in_progress: number;
  completed: number;
  /** How many of those sessions have done each step, in the workflow's order. */
  steps: { id: string; done: number }[];
  example_sessions: string[];
}

export function validateWorkflows(body: unknown): Workflow[] {
  const parsed = parseInput(WorkflowsFileSchema, body);
  if (!parsed.success) throw new InvalidWorkflowsError(issuesOf(parsed.error));
  return parsed.data.workflows;
}

export async function previewWorkflows(
  deps: { repos: RepositoryPorts; windowSize: number },
  productId: string,
  workflows: readonly Workflow[],
  now: number,
): Promise<{ sessions_considered: number; since: string; workflows: WorkflowPreview[] }> {
  const sessions = await deps.repos.sessions.recentlyActive(productId, now - DAY_MS, PREVIEW_SESSIONS);
  const previews: WorkflowPreview[] = workflows.map((w) => ({
    workflow_id: w.id,
    name: w.name,
    matched: 0,
    in_progress: 0,
    completed: 0,
    steps: w.steps.map((s) => ({ id: s.id, done: 0 })),
    example_sessions: [],
  }));
  for (const session of sessions) {
    const { window } = await buildWindow(deps.repos, session, deps.windowSize);
    const failed = rejectedSubmits(window);
    workflows.forEach((w, i) => {
      const p = workflowProgress(w, window, failed);
      if (p.doneSteps.length === 0) return;
      const preview = previews[i]!;
      preview.matched++;
      if (p.inWorkflow) preview.in_progress++;
      if (p.complete) preview.completed++;
      for (const s of p.doneSteps) preview.steps[s]!.done++;
      if (preview.example_sessions.length < EXAMPLES) preview.example_sessions.push(session.sessionKey);
    });
  }
  return { sessions_considered: sessions.length, since: new Date(now - DAY_MS).toISOString(), workflows: previews };
}

export function createWorkflowsAdmin(deps: { repos: RepositoryPorts; catalog: WorkflowCatalog; clock: Clock; windowSize: number }) {
  const present = async (productId: string) => {
    const d = await deps.catalog.describe(productId);
    return {
      product_id: productId,
      origin: d.origin,
      updated_at: d.updatedAt === null ? null : new Date(d.updatedAt).toISOString(),
      workflows: d.workflows,
    };
  };
  return {
    get: present,
    /** Validates without storing; the preview shows what the upload would match. */
    async validate(productId: string, body: unknown) {
      const workflows = validateWorkflows(body);
      return { product_id: productId, valid: true, workflows: workflows.length, preview: await previewWorkflows(deps, productId, workflows, deps.clock.now()) };
    },
    async replace(productId: string, body: unknown) {
      const workflows = validateWorkflows(body);
      await deps.catalog.replace(productId, workflows, "admin", deps.clock.now());
      return { ...(await present(productId)), preview: await previewWorkflows(deps, productId, workflows, deps.clock.now()) };
    },
  };
}

export type WorkflowsAdmin = ReturnType<typeof createWorkflowsAdmin>;

/**
 * The user's memory as lines for an LLM prompt (suggestions and chat). Workflow names are the operator's,
 * but issues quote labels from users' browsers: the caller puts these lines inside the data fence and
 * neutralises them like every other recorded text.
 */
import type { RepositoryPorts } from "../../db/store.js";
import type { Workflow } from "../workflows/workflows.schema.js";
import { loadMemoryView, type MemorySettings, type MemoryView } from "./memory-view.js";

const DAY_MS = 86_400_000;

export function describeMemory(view: MemoryView, workflows: readonly Workflow[]): string[] {
  const lines: string[] = [];
  if (view.scope.kind === "session") lines.push("Anonymous visitor: only this session is known.");
  if (view.previousActivityAt !== null) lines.push(`Last active before this session: ${Math.max(0, Math.round((view.sessionStartedAt - view.previousActivityAt) / DAY_MS))} days earlier.`);
  for (const w of workflows) {
    const k = view.knowledge.get(w.id);
    if (!k || k.attempts === 0) continue;
    if (k.mastered) {
      lines.push(`Mastered "${w.name}" (completed ${k.completions}×) — do not explain its steps.`);
      continue;
    }
    const issue = k.lastIssue ? `; last issue: ${k.lastIssue}` : "";
    lines.push(`"${w.name}": ${k.attempts} attempt(s), ${k.completions} completed, best ${Math.round(k.bestCompletionPct)} %${issue}.`);
  }
  const untouched = workflows.filter((w) => (view.knowledge.get(w.id)?.attempts ?? 0) === 0);
  if (untouched.length && view.scope.kind === "user") lines.push(`Never tried: ${untouched.map((w) => `"${w.name}"`).join(", ")}.`);
  if (view.quickLearner) lines.push("Learns quickly: keep it brief and only speak when it clearly helps.");
  return lines;
}

/** The memory lines of a session's user, for chat (empty for an unknown session). */
export async function memoryLinesOf(repos: RepositoryPorts, settings: MemorySettings, sessionRef: number, workflows: readonly Workflow[], now: number): Promise<string[]> {
  const session = await repos.sessions.findById(sessionRef);
  return session ? describeMemory(await loadMemoryView(repos, settings, session, workflows, now), workflows) : [];
}

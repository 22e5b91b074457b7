/**
 * A workflow's version for user memory: its step ids in order. Attempts are stored with the version they were
 * made against, so replacing a product's workflows keeps memory right — editing names, hints or match rules
 * keeps a workflow's version (and what users did in it); adding, removing or reordering steps makes it
 * another workflow under the same id, whose earlier attempts no longer count (their step indexes and
 * completion were about other steps).
 */
import crypto from "node:crypto";
import type { Workflow } from "./workflows.schema.js";

// Parsed workflows are shared objects (the catalog caches them per product): each is hashed once.
const versions = new WeakMap<Workflow, string>();

export function workflowVersion(w: Workflow): string {
  let v = versions.get(w);
  if (v === undefined) {
    v = crypto.createHash("sha256").update(JSON.stringify(w.steps.map((s) => s.id))).digest("hex").slice(0, 16);
    versions.set(w, v);
  }
  return v;
}

/**
 * Whether an attempt was made against the workflow as it is now. Attempts stored before versions were
 * recorded (version '') count for the workflow of the same id.
 */
export function isCurrentAttempt(a: { workflowId: string; workflowVersion: string }, current: ReadonlyMap<string, Workflow>): boolean {
  const w = current.get(a.workflowId);
  return w !== undefined && (a.workflowVersion === "" || a.workflowVersion === workflowVersion(w));
}

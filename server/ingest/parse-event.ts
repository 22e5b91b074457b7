/**
 * Turns an already-JSON-parsed value into an Autoplay event, or a list of `{path, message}` problems
 * that a 422 (or a skipped SSE frame) can report.
 */
import type { z } from "zod";
import type { IssueDetail } from "../errors.js";
import { ActionsPayloadSchema, SummaryPayloadSchema, type AutoplayEvent } from "./autoplay.schema.js";
import { parseInput } from "../contracts/parse-input.js";

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: IssueDetail[] };

/** `["actions", 0, "title"]` → `actions[0].title`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || "(body)";
}

export function issuesOf(error: z.ZodError): IssueDetail[] {
  return error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

/** Lenient like the Autoplay SDK: an object without `type` is an actions batch if it has actions. */
export function parseAutoplayEvent(value: unknown): ParseResult<AutoplayEvent> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, issues: [{ path: "(body)", message: "expected a JSON object" }] };
  }
  const record = value as Record<string, unknown>;
  const type = record.type ?? ("actions" in record ? "actions" : "summary" in record ? "summary" : undefined);
  if (type === "actions") {
    const r = parseInput(ActionsPayloadSchema, { ...record, type });
    return r.success ? { ok: true, value: r.data } : { ok: false, issues: issuesOf(r.error) };
  }
  if (type === "summary") {
    const r = parseInput(SummaryPayloadSchema, { ...record, type });
    return r.success
      ? { ok: true, value: { ...r.data, session_id: r.data.session_id as string } }
      : { ok: false, issues: issuesOf(r.error) };
  }
  return { ok: false, issues: [{ path: "type", message: 'must be "actions" or "summary"' }] };
}

/** One line naming the problems, for error messages and logs. */
export function describeIssues(issues: readonly IssueDetail[], max = 5): string {
  const shown = issues.slice(0, max).map((i) => `${i.path}: ${i.message}`);
  const more = issues.length > max ? ` (and ${issues.length - max} more)` : "";
  return shown.join("; ") + more;
}

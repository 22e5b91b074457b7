/**
 * Reads and validates a workflows file. Any problem is a WorkflowsFileError naming the file and what is
 * wrong, which main.ts turns into a refused start-up (PROTOCOL.md §6).
 */
import fs from "node:fs";
import { describeIssues, issuesOf } from "../ingest/parse-event.js";
import { WorkflowsFileSchema, type Workflow } from "./workflows.schema.js";
import { parseInput } from "../contracts/parse-input.js";

export class WorkflowsFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`workflows file ${file}: ${problem}`);
    this.name = "WorkflowsFileError";
  }
}

export function parseWorkflows(text: string, file: string): Workflow[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new WorkflowsFileError(file, `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = parseInput(WorkflowsFileSchema, json);
  if (!parsed.success) throw new WorkflowsFileError(file, describeIssues(issuesOf(parsed.error), 10));
  return parsed.data.workflows;
}

export function loadWorkflows(file: string): Workflow[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new WorkflowsFileError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseWorkflows(text, file);
}

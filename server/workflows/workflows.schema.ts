/**
 * The workflows file (PROTOCOL.md §6): golden paths the rules model and the LLM prompt use to place a user
 * in a workflow and name its next step.
 */
import { z } from "zod";

const id = z.string().regex(/^[A-Za-z0-9][\w.-]{0,63}$/, "must be 1–64 letters, digits, '_', '-' or '.'");

export const StepMatchSchema = z
  .object({
    /** Path pattern: `:id` matches one segment, a trailing `*` matches the rest. Compared with the action URL's path. */
    url: z.string().min(1).max(500).optional(),
    type: z.string().min(1).max(64).optional(),
    /** Case-insensitive substring of the action's title or description. */
    text: z.string().min(1).max(200).optional(),
  })
  .strict()
  .refine((m) => m.url !== undefined || m.type !== undefined || m.text !== undefined, {
    message: "match needs at least one of url, type, text",
  });

export const WorkflowStepSchema = z
  .object({ id, match: StepMatchSchema, hint: z.string().min(1).max(240) })
  .strict();

export const WorkflowSchema = z
  .object({ id, name: z.string().min(1).max(120), steps: z.array(WorkflowStepSchema).min(1).max(50) })
  .strict()
  .superRefine((w, ctx) => {
    const seen = new Set<string>();
    w.steps.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: "custom", path: ["steps", i, "id"], message: `duplicate step id "${s.id}"` });
      seen.add(s.id);
    });
  });

export const WorkflowsFileSchema = z
  .object({ workflows: z.array(WorkflowSchema).max(500) })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.workflows.forEach((w, i) => {
      if (seen.has(w.id)) ctx.addIssue({ code: "custom", path: ["workflows", i, "id"], message: `duplicate workflow id "${w.id}"` });
      seen.add(w.id);
    });
  });

export type StepMatch = z.infer<typeof StepMatchSchema>;
export type WorkflowStep = z.infer<typeof WorkflowStepSchema>;
export type Workflow = z.infer<typeof WorkflowSchema>;
export type WorkflowsFile = z.infer<typeof WorkflowsFileSchema>;

/**
 * What the offline evaluation reports, from a replay log and the ground truth of the synthetic users:
 * - top-1 next-step accuracy: of the delivered suggestions that name a workflow step, the share naming a
 *   step the user actually needed next (the ground truth's expected steps at that moment);
 * - false-interrupt rate: of all delivered suggestions, the share shown while the user needed no help;
 * - nudges on mastered workflows: delivered suggestions about a workflow the user had mastered;
 * - follow-through: of the delivered suggestions naming a step, the share whose step the user did within
 *   the follow window after seeing it;
 * - help recall: of the moments a user was stuck, the share in which a suggestion named the right step;
 * - overtaken: suggestions whose step the user did within OVERTAKEN_MS of it appearing — too soon to have
 *   read it: noise that was shown and retracted a moment later.
 */
import type { Workflow } from "../../server/workflows/workflows.schema.js";
import type { ReplayLog } from "./replay.js";
import { matchesStep } from "./synth.js";

export interface EvalMetrics {
  sessions: number;
  evaluations: number;
  delivered: number;
  withStep: number;
  top1Accuracy: number | null;
  falseInterruptRate: number | null;
  masteredNudges: number;
  followThrough: number | null;
  helpRecall: number | null;
  overtaken: number;
  bySignal: Record<string, number>;
  byPersona: Record<string, { delivered: number; falseInterrupts: number }>;
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 1000) / 1000);
const OVERTAKEN_MS = 2_000;

export function computeMetrics(log: ReplayLog, workflows: readonly Workflow[], followWindowMs: number): EvalMetrics {
  const withStep = log.deliveries.filter((d) => d.workflowId && d.stepId);
  const correct = withStep.filter((d) => d.label.expected?.workflowId === d.workflowId && d.label.expected.stepIds.includes(d.stepId!));
  const doneWithin = (d: (typeof withStep)[number], ms: number) => {
    const step = workflows.find((w) => w.id === d.workflowId)?.steps.find((s) => s.id === d.stepId);
    const acted = log.actions.get(d.sessionId) ?? [];
    return !!step && acted.some((a) => a.at > d.at && a.at <= d.at + ms && matchesStep(a.action, step));
  };
  const followed = withStep.filter((d) => doneWithin(d, followWindowMs));
  const bySignal: Record<string, number> = {};
  const byPersona: EvalMetrics["byPersona"] = {};
  for (const d of log.deliveries) {
    bySignal[d.signal ?? "none"] = (bySignal[d.signal ?? "none"] ?? 0) + 1;
    const p = (byPersona[d.persona] ??= { delivered: 0, falseInterrupts: 0 });
    p.delivered++;
    if (!d.label.needsHelp) p.falseInterrupts++;
  }
  return {
    sessions: log.sessions,
    evaluations: log.evaluations,
    delivered: log.deliveries.length,
    withStep: withStep.length,
    top1Accuracy: ratio(correct.length, withStep.length),
    falseInterruptRate: ratio(log.deliveries.filter((d) => !d.label.needsHelp).length, log.deliveries.length),
    masteredNudges: log.deliveries.filter((d) => d.onMastered).length,
    followThrough: ratio(followed.length, withStep.length),
    helpRecall: ratio(log.stuck.filter((s) => s.helped).length, log.stuck.length),
    overtaken: withStep.filter((d) => doneWithin(d, OVERTAKEN_MS)).length,
    bySignal,
    byPersona,
  };
}

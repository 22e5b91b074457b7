/**
 * Which submits went through: the ONE rule that both workflow progress (workflows/workflow-progress.ts, over
 * a session's window) and the user's memory (memory/attempt-tracker.ts, incrementally, across batches) apply,
 * so a step is done in one exactly when it is done in the other. Before the user moves to another place,
 * - an `invalid` action there (a field the form's validation rejected) means the submit was rejected, and
 * - the same form submitted again there means the earlier submit did not go through.
 * A rejected submit completes no step. Each rejection is one failed submit, however many fields it names;
 * a run of `invalid` actions with no submit before it (the browser's own validation blocked the submit, so
 * none was sent) is a failed submit too. Places count record ids as one (sessions/place.ts).
 */
import { placeOf } from "./place.js";
import { targetLabel } from "./action-labels.js";

/** The fields of an action the rule reads. */
export interface SubmitAction {
  type: string;
  title: string;
  description: string;
  canonical_url: string;
}

/** What the rule remembers between actions (plain data: the attempt tracker stores it with its cursor). */
export interface SubmitWatch {
  /** The latest submit at the user's current place, or a validation failure with none before it. */
  open: { place: string; label: string | null; ref: number | null; rejected: boolean } | null;
  /** The previous action was an `invalid`: the rest of its run names more fields of the same failure. */
  inInvalidRun: boolean;
}

export interface FailedSubmit {
  cause: "invalid" | "resubmitted";
  /** The rejected submit (its caller-given ref), or null when validation stopped it being sent at all. */
  submitRef: number | null;
  /** The form's label, when a submit was sent. */
  label: string | null;
  /** The action that showed the failure: the `invalid` one, or the second submit. */
  evidence: SubmitAction;
}

export const emptySubmitWatch = (): SubmitWatch => ({ open: null, inInvalidRun: false });

/**
 * Feeds one action (in order) to the rule; `ref` names it (an action id, a window index). Returns a failure it
 * shows. `knownPlace`: the action's place when the caller has it already; otherwise it is worked out only for
 * the actions that need one (submits, invalid fields, page views), not for every click.
 */
export function watchSubmits(w: SubmitWatch, action: SubmitAction, ref: number, knownPlace?: string): FailedSubmit | undefined {
  const placeHere = () => knownPlace ?? placeOf(action.canonical_url);
  const continuesRun = w.inInvalidRun;
  w.inInvalidRun = action.type === "invalid";
  const open = w.open;

  if (action.type === "submit") {
    const place = placeHere();
    const label = targetLabel(action);
    w.open = { place, label, ref, rejected: false };
    if (open && !open.rejected && open.ref !== null && open.place === place && open.label === label) {
      return { cause: "resubmitted", submitRef: open.ref, label, evidence: action };
    }
    return undefined;
  }
  if (action.type === "invalid") {
    const place = placeHere();
    if (open && open.place === place && !open.rejected && open.ref !== null) {
      open.rejected = true;
      return { cause: "invalid", submitRef: open.ref, label: open.label, evidence: action };
    }
    if (continuesRun) return undefined;
    w.open = { place, label: null, ref: null, rejected: true };
    return { cause: "invalid", submitRef: null, label: null, evidence: action };
  }
  // Reaching another place means the open submit went through (or was given up).
  if (action.type === "pageview" && open && open.place !== placeHere()) w.open = null;
  return undefined;
}

// A window is matched against every workflow: its rejected submits are found once per window array.
const cache = new WeakMap<readonly SubmitAction[], ReadonlySet<number>>();

/** Indexes of the submits in `actions` that did not go through. */
export function rejectedSubmits(actions: readonly SubmitAction[]): ReadonlySet<number> {
  let rejected = cache.get(actions);
  if (rejected) return rejected;
  const found = new Set<number>();
  const w = emptySubmitWatch();
  actions.forEach((a, i) => {
    const failed = watchSubmits(w, a, i);
    if (failed && failed.submitRef !== null) found.add(failed.submitRef);
  });
  rejected = found;
  cache.set(actions, rejected);
  return rejected;
}

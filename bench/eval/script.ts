/**
 * The shape of a synthetic session: a list of beats — an action after a gap, a pause where the user is
 * stuck (with what they do when helped and when not), or leaving — each labelled with the ground truth:
 * whether the user needs help at that moment and which steps would be the right ones to suggest.
 */
import type { ActionSpec } from "../../test/helpers/suggestions.js";
import type { Workflow } from "../../server/workflows/workflows.schema.js";
import type { Rng } from "./rng.js";
import { pageview, stepAction } from "./synth.js";

export interface Label {
  needsHelp: boolean;
  /** The workflow and step ids a helpful suggestion would name now; null when no step would be right. */
  expected: { workflowId: string; stepIds: string[] } | null;
}

export type Beat =
  | { kind: "act"; gapMs: number; action: ActionSpec; label: Label; completes?: { workflowId: string; clean: boolean } }
  | { kind: "stuck"; pauseMs: number; label: Label; helped: Beat[]; unhelped: Beat[] }
  | { kind: "leave"; afterMs: number };

export type Persona = "expert" | "novice" | "returning" | "browser" | "detour" | "backfill";

export interface SimSession {
  sessionId: string;
  startAt: number;
  beats: Beat[];
  /** Set for a replayed old session: its actions are this much older than when they arrive, all at once. */
  backfillAgeMs?: number;
}

export interface SimUser {
  key: string;
  /** Sent as the payload's user_id (a trusted server-side source), or null for an anonymous visitor. */
  userId: string | null;
  persona: Persona;
  sessions: SimSession[];
}

export const idle: Label = { needsHelp: false, expected: null };

export const nextOf = (w: Workflow, i: number, needsHelp = false): Label =>
  i < w.steps.length ? { needsHelp, expected: { workflowId: w.id, stepIds: [w.steps[i]!.id] } } : idle;

/** Builds one session's beats, keeping track of the page the user is on. */
export class Script {
  readonly beats: Beat[] = [];
  page = "/";

  constructor(
    private readonly rng: Rng,
    start = "/",
  ) {
    this.page = start;
  }

  act(action: ActionSpec, gap: readonly [number, number], label: Label, completes?: { workflowId: string; clean: boolean }): this {
    this.beats.push({ kind: "act", gapMs: this.rng.int(gap[0], gap[1]), action, label, ...(completes ? { completes } : {}) });
    if (action.type === "pageview") this.page = action.url;
    return this;
  }

  visit(url: string, gap: readonly [number, number], label: Label = idle): this {
    return this.act(pageview(url), gap, label);
  }

  /**
   * Does steps `from`..`to` (inclusive) of `w`. A submit on a `…/new` page lands on the new record's page,
   * as web apps do. `needsHelp` labels the moments between the steps.
   */
  steps(w: Workflow, from: number, to: number, gap: readonly [number, number], opts: { needsHelp?: boolean; clean?: boolean } = {}): this {
    for (let i = from; i <= to && i < w.steps.length; i++) {
      const action = stepAction(w.steps[i]!, this.page, this.rng);
      const last = i === w.steps.length - 1;
      this.act(action, gap, nextOf(w, i + 1, opts.needsHelp), last ? { workflowId: w.id, clean: opts.clean ?? true } : undefined);
      if (action.type === "submit" && /\/new$/.test(action.url)) {
        this.visit(action.url.replace(/\/new$/, `/${this.rng.int(100, 999)}`), [300, 900], nextOf(w, i + 1, opts.needsHelp));
      }
    }
    return this;
  }

  stuck(pause: readonly [number, number], label: Label, helped: Beat[], unhelped: Beat[]): this {
    this.beats.push({ kind: "stuck", pauseMs: this.rng.int(pause[0], pause[1]), label, helped, unhelped });
    return this;
  }

  leave(after: readonly [number, number]): this {
    this.beats.push({ kind: "leave", afterMs: this.rng.int(after[0], after[1]) });
    return this;
  }

  /** A script that continues from this one's page (for the branches of a stuck beat). */
  branch(): Script {
    return new Script(this.rng, this.page);
  }
}

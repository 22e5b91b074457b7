/**
 * Replays synthetic users through the real engine: the real app over a real SQLite file, the product's
 * workflows uploaded for it alone (the per-product catalog, as the admin API would: the demo product keeps
 * its own alongside), actions through the one ingest use case (as the push webhook would, with the user id
 * of a trusted source), and every
 * evaluation the scheduler would run — debounce, maximum wait, re-checks — fired at its time on an
 * injected clock, so a run is deterministic and takes seconds for hours of simulated time.
 */
import { parseAutoplayEvent } from "../../server/ingest/parse-event.js";
import type { Trigger } from "../../server/suggest/scheduler.js";
import type { PublishedSuggestion } from "../../server/suggest/publisher.js";
import type { Workflow } from "../../server/workflows/workflows.schema.js";
import { createManualClock } from "../../test/helpers/clock.js";
import type { ActionSpec } from "../../test/helpers/suggestions.js";
import { startTestServer } from "../../test/helpers/test-server.js";
import type { Rng } from "./rng.js";
import { idle, type Beat, type Label, type SimSession, type SimUser } from "./script.js";

export interface Delivery {
  id: number;
  userKey: string;
  persona: string;
  sessionId: string;
  at: number;
  signal: string | null;
  workflowId: string | null;
  stepId: string | null;
  text: string;
  label: Label;
  /** The user had mastered the suggestion's workflow by then (completed it twice, or once cleanly). */
  onMastered: boolean;
  verdict: "accepted" | "dismissed" | null;
}

export interface ReplayLog {
  deliveries: Delivery[];
  /** Every action the users did, by session, with its time (for follow-through). */
  actions: Map<string, { at: number; action: ActionSpec }[]>;
  stuck: { helped: boolean }[];
  evaluations: number;
  sessions: number;
}

const REACT_MS = 3_000;
const ON_SCREEN_MS = 30_000;

export async function replay(opts: { productId: string; workflows: readonly Workflow[]; users: SimUser[]; env: Record<string, string>; rng: Rng }): Promise<ReplayLog> {
  const clock = createManualClock(opts.users[0]?.sessions[0]?.startAt ?? 0);
  const published: PublishedSuggestion[] = [];
  const server = await startTestServer({
    clock,
    publish: (s) => void published.push(s),
    // Evaluations are fired by this replay (SUGGESTIONS_ENABLED only wires the scheduler to ingest).
    env: { SUGGESTIONS_ENABLED: "false", RETENTION_DAYS: "0", ...opts.env },
  });
  const { productId } = opts;
  if (!await server.repos.products.findById(productId)) {
    await server.repos.products.save({ ...server.instance.defaultProduct, id: productId, productKey: `pk_eval_${productId}_0123456789` });
  }
  await server.app.services.workflows.replace(productId, opts.workflows, "admin", clock.now());
  const engine = server.suggestions;
  const D = server.config.SUGGEST_DEBOUNCE_MS;
  const M = server.config.SUGGEST_MAX_WAIT_MS;
  const log: ReplayLog = { deliveries: [], actions: new Map(), stuck: [], evaluations: 0, sessions: 0 };

  try {
    for (const user of opts.users) {
      const rng = opts.rng.fork(log.sessions + 1);
      const completions = new Map<string, { all: number; clean: number }>();
      const mastered = (wf: string | null) => !!wf && ((completions.get(wf)?.all ?? 0) >= 2 || (completions.get(wf)?.clean ?? 0) >= 1);

      for (const s of user.sessions) {
        log.sessions++;
        const acted: { at: number; action: ActionSpec }[] = [];
        log.actions.set(s.sessionId, acted);
        let ref: number | undefined;
        let label: Label = idle;
        let sched: { debounceAt?: number; maxWaitAt?: number; recheckAt?: number } = {};

        /** Fires the scheduler's evaluations due before `limit`; stops early when `stop` says so. */
        const runUntil = async (limit: number, stop?: (d: Delivery) => boolean): Promise<Delivery | undefined> => {
          for (;;) {
            const due = [sched.debounceAt, sched.maxWaitAt, sched.recheckAt].filter((t): t is number => t !== undefined);
            if (ref === undefined || due.length === 0) return undefined;
            const at = Math.min(...due);
            if (at >= limit) return undefined;
            const trigger: Trigger = at === sched.debounceAt ? "activity" : at === sched.maxWaitAt ? "max_wait" : "recheck";
            sched = {};
            clock.set(Math.max(clock.now(), at));
            const before = published.length;
            const result = await engine.evaluateOnce(ref, trigger);
            log.evaluations++;
            if (result.recheckAt !== undefined) sched.recheckAt = Math.max(result.recheckAt, clock.now() + 1);
            for (const p of published.slice(before)) {
              const stored = (await server.repos.suggestions.findById(p.id))!;
              const d: Delivery = {
                id: p.id, userKey: user.key, persona: user.persona, sessionId: s.sessionId, at: clock.now(), signal: p.signal,
                workflowId: stored.workflowId, stepId: stored.stepId, text: p.text, label, onMastered: mastered(stored.workflowId), verdict: null,
              };
              const right = !!d.stepId && !!label.expected && label.expected.workflowId === d.workflowId && label.expected.stepIds.includes(d.stepId);
              d.verdict = label.needsHelp && right ? (rng.chance(0.5) ? "accepted" : null) : !label.needsHelp && rng.chance(0.6) ? "dismissed" : null;
              if (d.verdict) await engine.recordFeedback(d.id, d.verdict);
              log.deliveries.push(d);
              if (stop?.(d)) return d;
            }
          }
        };

        const ingest = async (actions: ActionSpec[], at: number, ageMs = 0) => {
          const parsed = parseAutoplayEvent({
            type: "actions",
            session_id: s.sessionId,
            user_id: user.userId,
            actions: actions.map((a, i) => ({ ...a, canonical_url: a.url, timestamp_start: (at - ageMs) / 1000 + i * 0.5 })),
          });
          if (!parsed.ok) throw new Error(`eval: generated an invalid payload: ${JSON.stringify(parsed.issues)}`);
          await server.app.services.ingest.ingest(productId, parsed.value, "push");
          ref ??= await server.repos.sessions.idByKey(productId, s.sessionId);
          // What the scheduler does on new activity: re-start the debounce, start the maximum wait if none runs.
          sched = { debounceAt: at + D, maxWaitAt: sched.maxWaitAt ?? at + M };
        };

        const play = async (beats: Beat[], start: number): Promise<number> => {
          let t = start;
          for (const beat of beats) {
            if (beat.kind === "act") {
              t += beat.gapMs;
              await runUntil(t);
              clock.set(Math.max(clock.now(), t));
              await ingest([beat.action], t);
              acted.push({ at: t, action: beat.action });
              label = beat.label;
              if (beat.completes) {
                const c = completions.get(beat.completes.workflowId) ?? { all: 0, clean: 0 };
                completions.set(beat.completes.workflowId, { all: c.all + 1, clean: c.clean + (beat.completes.clean ? 1 : 0) });
              }
            } else if (beat.kind === "stuck") {
              label = beat.label;
              const expected = beat.label.expected;
              const right = (d: Delivery) => !!expected && d.workflowId === expected.workflowId && !!d.stepId && expected.stepIds.includes(d.stepId);
              // A suggestion still on screen from just before counts: the user reads it now.
              const shown = log.deliveries.find((d) => d.sessionId === s.sessionId && d.at >= t - ON_SCREEN_MS && right(d));
              const help = shown ?? (await runUntil(t + beat.pauseMs, right));
              log.stuck.push({ helped: !!help });
              return play(help ? beat.helped : beat.unhelped, help ? Math.max(t, help.at) + REACT_MS : t + beat.pauseMs);
            } else {
              await runUntil(t + beat.afterMs);
              return t + beat.afterMs;
            }
          }
          await runUntil(t + 60_000);
          return t;
        };

        if (s.backfillAgeMs !== undefined) await playBackfill(s, ingest, runUntil, acted, clock);
        else await play(s.beats, s.startAt);
      }
    }
  } finally {
    await server.close();
  }
  return log;
}

/** An archived session arrives in one payload, its timestamps days old; the scheduler then runs as usual. */
async function playBackfill(
  s: SimSession,
  ingest: (actions: ActionSpec[], at: number, ageMs?: number) => Promise<void>,
  runUntil: (limit: number) => Promise<unknown>,
  acted: { at: number; action: ActionSpec }[],
  clock: { set(ms: number): void },
): Promise<void> {
  const actions = s.beats.flatMap((b) => (b.kind === "act" ? [b.action] : []));
  clock.set(s.startAt);
  await ingest(actions, s.startAt, s.backfillAgeMs);
  for (const action of actions) acted.push({ at: s.startAt, action });
  await runUntil(s.startAt + 600_000);
}

/**
 * Synthetic users from a workflows file, one kind per persona: experts who never need help (and master
 * what they do), novices who get stuck, make failing submits or skip a step, users returning to an
 * unfinished workflow days later, people browsing lists and records, users who take a detour mid-workflow,
 * and old sessions replayed by a backfill. Seeded: the same seed and file give the same users.
 */
import type { Workflow } from "../../server/workflows/workflows.schema.js";
import type { Rng } from "./rng.js";
import { idle, nextOf, Script, type Label, type Persona, type SimSession, type SimUser } from "./script.js";
import { fillerAction, stepAction } from "./synth.js";

const DAY = 86_400_000;
const FAST = [600, 1_800] as const;
const NORMAL = [2_000, 6_000] as const;
const help = (w: Workflow, stepIds: string[]): Label => ({ needsHelp: true, expected: { workflowId: w.id, stepIds } });

export interface GenContext {
  rng: Rng;
  workflows: readonly Workflow[];
  /** Absolute ms at which this user's first session starts. */
  base: number;
  index: number;
}

function session(ctx: GenContext, key: string, n: number, dayOffset: number, script: Script, extra: Partial<SimSession> = {}): SimSession {
  return { sessionId: `${key}-s${n}`, startAt: ctx.base + dayOffset * DAY + ctx.rng.int(0, 3_600_000), beats: script.beats, ...extra };
}

const multiStep = (ws: readonly Workflow[]) => ws.filter((w) => w.steps.length >= 2);

function expert(ctx: GenContext): SimUser {
  const { rng, workflows } = ctx;
  const key = `expert-${ctx.index}`;
  const favourites = [rng.pick(workflows), rng.pick(workflows)];
  const sessions = [0, rng.int(1, 2), rng.int(3, 5)].map((day, n) => {
    const s = new Script(rng).visit("/", [0, 0]);
    for (const w of favourites.slice(0, rng.int(1, 2))) s.steps(w, 0, w.steps.length - 1, FAST);
    const filler = fillerAction(s.page, workflows, rng);
    if (filler) s.act(filler, [2_000, 5_000], idle);
    return session(ctx, key, n, day, s.leave([10_000, 40_000]));
  });
  return { key, userId: key, persona: "expert", sessions };
}

function novice(ctx: GenContext): SimUser {
  const { rng, workflows } = ctx;
  const key = `novice-${ctx.index}`;
  const w = rng.pick(multiStep(workflows));
  const n = w.steps.length;
  const k = rng.int(1, n - 1);
  // A first-timer: any moment of the task is one where naming the right next step helps.
  const learn = { needsHelp: true, clean: false };
  const s = new Script(rng).visit("/", [0, 0]).steps(w, 0, k - 1, NORMAL, learn);
  const variant = rng.next();
  const submitAt = w.steps.findIndex((step, i) => i >= k && step.match.type === "submit");
  if (variant < 0.3 && submitAt >= 0) {
    // Failing submits: the form is sent three times without leaving its page, then fixed after a pause.
    s.steps(w, k, submitAt - 1, NORMAL, learn);
    const submit = stepAction(w.steps[submitAt]!, s.page, rng);
    const failing = help(w, [w.steps[submitAt]!.id, ...(w.steps[submitAt + 1] ? [w.steps[submitAt + 1]!.id] : [])]);
    for (let i = 0; i < 3; i++) s.act(submit, [3_000, 8_000], failing);
    const done = s.branch().steps(w, submitAt, n - 1, NORMAL, learn).leave([10_000, 30_000]).beats;
    s.stuck([30_000, 90_000], failing, done, rng.chance(0.5) ? [{ kind: "leave", afterMs: 0 }] : done);
  } else if (variant < 0.5 && k <= n - 2) {
    // A skipped golden-path step: the user does the step after it, then hesitates.
    s.steps(w, k + 1, k + 1, NORMAL, { needsHelp: true });
    const missed = help(w, [w.steps[k]!.id]);
    const helped = s.branch().steps(w, k, k, NORMAL, learn).steps(w, k + 2, n - 1, NORMAL, learn).leave([10_000, 30_000]).beats;
    const unhelped = s.branch().steps(w, k + 2, n - 1, NORMAL, learn).leave([10_000, 30_000]).beats;
    s.stuck([30_000, 90_000], missed, helped, unhelped);
  } else {
    // Stuck before step k.
    const helped = s.branch().steps(w, k, n - 1, NORMAL, learn).leave([10_000, 30_000]).beats;
    const unhelped = rng.chance(0.5) ? helped : [{ kind: "leave" as const, afterMs: 0 }];
    s.stuck([50_000, 150_000], help(w, [w.steps[k]!.id]), helped, unhelped);
  }
  return { key, userId: rng.chance(0.5) ? key : null, persona: "novice", sessions: [session(ctx, key, 0, 0, s)] };
}

function returning(ctx: GenContext): SimUser {
  const { rng, workflows } = ctx;
  const key = `returning-${ctx.index}`;
  const w = rng.pick(multiStep(workflows));
  const n = w.steps.length;
  const k = rng.int(Math.ceil(n / 2), n - 1);
  // A first-timer who leaves partway (a reminder next time, or help now, is what would get them through).
  const first = new Script(rng).visit("/", [0, 0]).steps(w, 0, k - 1, NORMAL, { needsHelp: true, clean: false }).leave([5_000, 20_000]);
  const resume = help(w, [w.steps[k]!.id, w.steps[0]!.id]);
  const second = new Script(rng).visit("/dashboard", [0, 0], resume);
  const finish = second.branch().steps(w, 0, n - 1, NORMAL, { clean: false }).leave([10_000, 30_000]).beats;
  second.stuck([20_000, 45_000], resume, finish, rng.chance(0.5) ? finish : [{ kind: "leave", afterMs: 0 }]);
  const gapDays = rng.chance(0.7) ? rng.int(3, 7) : 1;
  return { key, userId: key, persona: "returning", sessions: [session(ctx, key, 0, 0, first), session(ctx, key, 1, gapDays, second)] };
}

/** Lists are one-segment step URLs (`/contacts`); their records add an id (`/contacts/42`). */
function browser(ctx: GenContext): SimUser {
  const { rng, workflows } = ctx;
  const key = `browser-${ctx.index}`;
  const lists = [...new Set(workflows.flatMap((w) => w.steps.map((s) => s.match.url)).filter((u): u is string => !!u && /^\/[a-z-]+$/i.test(u)))];
  const list = lists.length ? rng.pick(lists) : "/items";
  const s = new Script(rng).visit("/", [0, 0]);
  for (let i = rng.int(3, 5); i > 0; i--) s.visit(list, [3_000, 9_000]).visit(`${list}/${rng.int(10, 999)}`, [3_000, 9_000]);
  s.visit(list, [3_000, 9_000]);
  // A form that redirects back to its list.
  s.visit("/notes", [2_000, 5_000]).visit("/notes/new", [2_000, 5_000]);
  s.act({ type: "type", url: "/notes/new", title: "Type in 'Body' field", description: "User typed in the Body field" }, [3_000, 8_000], idle);
  s.act({ type: "submit", url: "/notes/new", title: "Submit 'Save note' form", description: "User submitted the Save note form" }, [2_000, 5_000], idle);
  s.visit("/notes", [300, 900]).leave([10_000, 30_000]);
  return { key, userId: rng.chance(0.5) ? key : null, persona: "browser", sessions: [session(ctx, key, 0, 0, s)] };
}

/**
 * Partway through workflow A, the user visits another workflow's page, comes back to A's page, does
 * something there whose label also fits a step of a third workflow, and then hesitates over A's next step.
 */
function detour(ctx: GenContext): SimUser {
  const { rng, workflows } = ctx;
  const key = `detour-${ctx.index}`;
  const candidates = workflows.filter((w) => w.steps.length >= 3);
  const a = rng.pick(candidates.length ? candidates : multiStep(workflows));
  const k = rng.int(1, a.steps.length - 2);
  const s = new Script(rng).visit("/", [0, 0]).steps(a, 0, k, NORMAL);
  const home = s.page;
  const other = workflows.find((w) => w !== a && w.steps[0]?.match.url);
  if (other) s.visit(other.steps[0]!.match.url!.replace(/:\w+/g, "7"), [3_000, 8_000], nextOf(a, k + 1));
  s.visit(home, [3_000, 8_000], nextOf(a, k + 1));
  const lookalike = workflows.filter((w) => w !== a).flatMap((w) => w.steps.slice(1)).find((st) => !st.match.url && st.match.text);
  if (lookalike) s.act(stepAction(lookalike, home, rng), [2_000, 5_000], nextOf(a, k + 1));
  const helped = s.branch().steps(a, k + 1, a.steps.length - 1, NORMAL, { clean: false }).leave([10_000, 30_000]).beats;
  s.stuck([50_000, 120_000], help(a, [a.steps[k + 1]!.id]), helped, rng.chance(0.5) ? helped : [{ kind: "leave", afterMs: 0 }]);
  return { key, userId: rng.chance(0.5) ? key : null, persona: "detour", sessions: [session(ctx, key, 0, 0, s)] };
}

/** An old session replayed from an archive: nobody is there to help. */
function backfill(ctx: GenContext): SimUser {
  const { rng, workflows } = ctx;
  const key = `backfill-${ctx.index}`;
  const w = rng.pick(workflows);
  const s = new Script(rng).visit("/", [0, 0]).steps(w, 0, rng.int(0, w.steps.length - 2), NORMAL);
  const quiet = s.beats.map((b) => (b.kind === "act" ? { ...b, label: idle, completes: undefined } : b));
  return {
    key,
    userId: null,
    persona: "backfill",
    sessions: [{ ...session(ctx, key, 0, 0, new Script(rng)), beats: [...quiet, { kind: "leave", afterMs: 600_000 }], backfillAgeMs: rng.int(2, 6) * DAY }],
  };
}

const MIX: readonly [Persona, number, (ctx: GenContext) => SimUser][] = [
  ["expert", 0.2, expert],
  ["novice", 0.3, novice],
  ["returning", 0.15, returning],
  ["browser", 0.15, browser],
  ["detour", 0.1, detour],
  ["backfill", 0.1, backfill],
];

/** `count` users in the persona mix, each in its own ten-day span of simulated time after `epoch`. */
export function generateUsers(workflows: readonly Workflow[], seed: Rng, count: number, epoch: number): SimUser[] {
  const users: SimUser[] = [];
  let index = 0;
  for (const [, share, make] of MIX) {
    for (let i = Math.round(count * share); i > 0; i--, index++) {
      users.push(make({ rng: seed.fork(index), workflows, base: epoch + index * 10 * DAY, index }));
    }
  }
  return users;
}

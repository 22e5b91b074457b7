/**
 * Workflow attempts (user memory, issue 14): one row per attempt at a workflow in a session, its step
 * matches, the attempt tracker's per-session cursor, and the scope (verified user or session) they belong to.
 */
import type { Db } from "./connection.js";

export type ScopeKind = "user" | "session";
export type AttemptOutcome = "in_progress" | "completed" | "abandoned";

export interface AttemptStep {
  stepIndex: number;
  stepId: string;
  actionId: number;
  matchedAt: number;
  outOfOrder: boolean;
}

export interface AttemptRecord {
  id: number;
  productId: string;
  sessionRef: number;
  scopeKind: ScopeKind;
  scopeId: string;
  workflowId: string;
  /** The workflow's version the attempt was made against (workflows/workflow-version.ts); '' before versions were kept. */
  workflowVersion: string;
  expectedSteps: number;
  matchedSteps: number;
  furthestStep: number;
  completionPct: number;
  outcome: AttemptOutcome;
  missedSteps: string[];
  outOfOrder: string[];
  failedSubmits: number;
  rageClicks: number;
  dwells: number;
  longestDwellMs: number;
  lastIssueCode: string | null;
  lastIssue: string | null;
  startedAt: number;
  progressedAt: number;
  updatedAt: number;
  endedAt: number | null;
}

export interface AttemptWithSteps extends AttemptRecord {
  steps: AttemptStep[];
}

export type NewAttempt = Omit<AttemptRecord, "id">;

export interface MemoryCursor {
  sessionRef: number;
  productId: string;
  scopeKind: ScopeKind;
  scopeId: string;
  lastActionId: number;
  /** The tracker's running state, JSON. */
  scan: string;
  updatedAt: number;
}

type Row = Omit<AttemptRecord, "missedSteps" | "outOfOrder"> & { missedSteps: string; outOfOrder: string };

const COLUMNS = `id, product_id AS productId, session_ref AS sessionRef, scope_kind AS scopeKind, scope_id AS scopeId,
  workflow_id AS workflowId, workflow_version AS workflowVersion, expected_steps AS expectedSteps, matched_steps AS matchedSteps, furthest_step AS furthestStep,
  completion_pct AS completionPct, outcome, missed_steps AS missedSteps, out_of_order AS outOfOrder,
  failed_submits AS failedSubmits, rage_clicks AS rageClicks, dwells, longest_dwell_ms AS longestDwellMs,
  last_issue_code AS lastIssueCode, last_issue AS lastIssue, started_at AS startedAt, progressed_at AS progressedAt,
  updated_at AS updatedAt, ended_at AS endedAt`;

const fromRow = (r: Row): AttemptRecord => ({ ...r, missedSteps: JSON.parse(r.missedSteps) as string[], outOfOrder: JSON.parse(r.outOfOrder) as string[] });
const toRow = (a: NewAttempt) => ({ ...a, missedSteps: JSON.stringify(a.missedSteps), outOfOrder: JSON.stringify(a.outOfOrder) });

export function createAttemptRepository(db: Db) {
  const insert = db.prepare<Record<string, unknown>, { id: number }>(`
    INSERT INTO workflow_attempts (product_id, session_ref, scope_kind, scope_id, workflow_id, workflow_version, expected_steps, matched_steps,
      furthest_step, completion_pct, outcome, missed_steps, out_of_order, failed_submits, rage_clicks, dwells, longest_dwell_ms,
      last_issue_code, last_issue, started_at, progressed_at, updated_at, ended_at)
    VALUES (@productId, @sessionRef, @scopeKind, @scopeId, @workflowId, @workflowVersion, @expectedSteps, @matchedSteps, @furthestStep,
      @completionPct, @outcome, @missedSteps, @outOfOrder, @failedSubmits, @rageClicks, @dwells, @longestDwellMs,
      @lastIssueCode, @lastIssue, @startedAt, @progressedAt, @updatedAt, @endedAt)
    RETURNING id`);
  const update = db.prepare<Record<string, unknown>>(`
    UPDATE workflow_attempts SET scope_kind = @scopeKind, scope_id = @scopeId, matched_steps = @matchedSteps,
      furthest_step = @furthestStep, completion_pct = @completionPct, outcome = @outcome, missed_steps = @missedSteps,
      out_of_order = @outOfOrder, failed_submits = @failedSubmits, rage_clicks = @rageClicks, dwells = @dwells,
      longest_dwell_ms = @longestDwellMs, last_issue_code = @lastIssueCode, last_issue = @lastIssue,
      progressed_at = @progressedAt, updated_at = @updatedAt, ended_at = @endedAt
    WHERE id = @id`);
  const deleteSteps = db.prepare<[number]>("DELETE FROM attempt_steps WHERE attempt_id = ?");
  const insertStep = db.prepare<[number, number, string, number, number, number]>(
    "INSERT INTO attempt_steps (attempt_id, step_index, step_id, action_id, matched_at, out_of_order) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const ofSession = db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM workflow_attempts WHERE session_ref = ? ORDER BY id`);
  const stepsOfSession = db.prepare<[number], Omit<AttemptStep, "outOfOrder"> & { attemptId: number; outOfOrder: number }>(`
    SELECT st.attempt_id AS attemptId, st.step_index AS stepIndex, st.step_id AS stepId, st.action_id AS actionId,
           st.matched_at AS matchedAt, st.out_of_order AS outOfOrder
    FROM workflow_attempts a JOIN attempt_steps st ON st.attempt_id = a.id WHERE a.session_ref = ? ORDER BY st.attempt_id, st.step_index`);
  const ofScope = db.prepare<[string, string, string, number, number], Row>(`
    SELECT * FROM (SELECT ${COLUMNS} FROM workflow_attempts
      WHERE product_id = ? AND scope_kind = ? AND scope_id = ? AND started_at >= ? ORDER BY started_at DESC, id DESC LIMIT ?)
    ORDER BY startedAt, id`);
  const rescope = db.prepare<[string, string, number]>(
    "UPDATE workflow_attempts SET scope_kind = ?, scope_id = ? WHERE session_ref = ? AND scope_kind = 'session'",
  );
  const abandonQuiet = db.prepare<[number, number]>(`
    UPDATE workflow_attempts SET outcome = 'abandoned', ended_at = updated_at
    WHERE id IN (SELECT id FROM workflow_attempts WHERE outcome = 'in_progress' AND updated_at < ? ORDER BY updated_at LIMIT ?)`);
  const cursor = db.prepare<[number], MemoryCursor>(`
    SELECT session_ref AS sessionRef, product_id AS productId, scope_kind AS scopeKind, scope_id AS scopeId,
           last_action_id AS lastActionId, scan, updated_at AS updatedAt FROM memory_cursors WHERE session_ref = ?`);
  const saveCursor = db.prepare<MemoryCursor>(`
    INSERT INTO memory_cursors (session_ref, product_id, scope_kind, scope_id, last_action_id, scan, updated_at)
    VALUES (@sessionRef, @productId, @scopeKind, @scopeId, @lastActionId, @scan, @updatedAt)
    ON CONFLICT (session_ref) DO UPDATE SET scope_kind = excluded.scope_kind, scope_id = excluded.scope_id,
      last_action_id = excluded.last_action_id, scan = excluded.scan, updated_at = excluded.updated_at`);
  const assignment = db.prepare<[number], { holdout: number; unit: "session" | "user" }>(
    "SELECT holdout, unit FROM session_assignments WHERE session_ref = ?",
  );
  const assign = db.prepare<[number, number, string, number]>(
    "INSERT INTO session_assignments (session_ref, holdout, unit, assigned_at) VALUES (?, ?, ?, ?) ON CONFLICT (session_ref) DO NOTHING",
  );
  return {
    insert: (a: NewAttempt): number => insert.get(toRow(a))!.id,
    update(a: AttemptRecord): void {
      update.run(toRow(a));
    },
    /** Replaces an attempt's step matches (a handful of rows). */
    replaceSteps(attemptId: number, steps: readonly AttemptStep[]): void {
      deleteSteps.run(attemptId);
      for (const s of steps) insertStep.run(attemptId, s.stepIndex, s.stepId, s.actionId, s.matchedAt, s.outOfOrder ? 1 : 0);
    },
    /** Every attempt of one session with its steps, oldest first. */
    ofSession(sessionRef: number): AttemptWithSteps[] {
      const rows = ofSession.all(sessionRef);
      // Most sessions have no attempt (every new one): then there are no steps to read either.
      if (rows.length === 0) return [];
      const steps = new Map<number, AttemptStep[]>();
      for (const { attemptId, outOfOrder, ...s } of stepsOfSession.all(sessionRef)) {
        steps.set(attemptId, [...(steps.get(attemptId) ?? []), { ...s, outOfOrder: outOfOrder === 1 }]);
      }
      return rows.map((r) => ({ ...fromRow(r), steps: steps.get(r.id) ?? [] }));
    },
    /** A scope's attempts started since `since`, oldest first (the newest `limit`). */
    ofScope: (productId: string, kind: ScopeKind, scopeId: string, since: number, limit: number): AttemptRecord[] =>
      ofScope.all(productId, kind, scopeId, since, limit).map(fromRow),
    /** A visitor who signs in: the session's anonymous attempts become the user's. */
    rescopeSession(sessionRef: number, kind: ScopeKind, scopeId: string): void {
      rescope.run(kind, scopeId, sessionRef);
    },
    /** Marks up to `limit` in-progress attempts untouched since `before` as abandoned; returns how many. */
    abandonQuiet: (before: number, limit: number): number => abandonQuiet.run(before, limit).changes,
    /**
     * Keeps other syncs of the session waiting until this transaction ends, so that none reads a cursor another
     * is about to move (and overwrites the newer attempts with older ones). SQLite's single writer already does.
     */
    holdForSync(_sessionRef: number): void {},
    cursor: (sessionRef: number): MemoryCursor | undefined => cursor.get(sessionRef),
    saveCursor(c: MemoryCursor): void {
      saveCursor.run(c);
    },
    /** A session's holdout assignment, once made. */
    assignmentOf(sessionRef: number): { holdout: boolean; unit: "session" | "user" } | undefined {
      const row = assignment.get(sessionRef);
      return row && { holdout: row.holdout === 1, unit: row.unit };
    },
    /** Stores a session's assignment unless it has one (the first one stays). */
    assign(sessionRef: number, holdout: boolean, unit: "session" | "user", at: number): void {
      assign.run(sessionRef, holdout ? 1 : 0, unit, at);
    },
  };
}

export type AttemptRepository = ReturnType<typeof createAttemptRepository>;

import type { AttemptRecord, AttemptRepository, AttemptStep, MemoryCursor, NewAttempt } from "../attempt.repository.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";

/** Advisory lock class ("plms") under which a session's user-memory syncs take turns (holdForSync). */
const MEMORY_SYNC_LOCK_CLASS = 0x706c6d73;

const COLUMNS = `id, product_id AS "productId", session_ref AS "sessionRef", scope_kind AS "scopeKind", scope_id AS "scopeId",
  workflow_id AS "workflowId", workflow_version AS "workflowVersion", expected_steps AS "expectedSteps", matched_steps AS "matchedSteps",
  furthest_step AS "furthestStep", completion_pct AS "completionPct", outcome, missed_steps AS "missedSteps", out_of_order AS "outOfOrder",
  failed_submits AS "failedSubmits", rage_clicks AS "rageClicks", dwells, longest_dwell_ms AS "longestDwellMs",
  last_issue_code AS "lastIssueCode", last_issue AS "lastIssue", started_at AS "startedAt", progressed_at AS "progressedAt",
  updated_at AS "updatedAt", ended_at AS "endedAt"`;

type Row = Omit<AttemptRecord, "missedSteps" | "outOfOrder"> & { missedSteps: string; outOfOrder: string };
const fromRow = (r: Row): AttemptRecord => ({ ...r, missedSteps: JSON.parse(r.missedSteps) as string[], outOfOrder: JSON.parse(r.outOfOrder) as string[] });

export function createPgAttemptRepository(ex: Executor): AsyncOf<AttemptRepository> {
  return {
    insert: async (a: NewAttempt) =>
      (await ex.row<{ id: number }>(
        `INSERT INTO workflow_attempts (product_id, session_ref, scope_kind, scope_id, workflow_id, workflow_version, expected_steps, matched_steps,
           furthest_step, completion_pct, outcome, missed_steps, out_of_order, failed_submits, rage_clicks, dwells, longest_dwell_ms,
           last_issue_code, last_issue, started_at, progressed_at, updated_at, ended_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) RETURNING id`,
        [a.productId, a.sessionRef, a.scopeKind, a.scopeId, a.workflowId, a.workflowVersion, a.expectedSteps, a.matchedSteps, a.furthestStep,
          a.completionPct, a.outcome, JSON.stringify(a.missedSteps), JSON.stringify(a.outOfOrder), a.failedSubmits, a.rageClicks, a.dwells,
          a.longestDwellMs, a.lastIssueCode, a.lastIssue, a.startedAt, a.progressedAt, a.updatedAt, a.endedAt],
      ))!.id,
    async update(a) {
      await ex.run(
        `UPDATE workflow_attempts SET scope_kind = $2, scope_id = $3, matched_steps = $4, furthest_step = $5, completion_pct = $6,
           outcome = $7, missed_steps = $8, out_of_order = $9, failed_submits = $10, rage_clicks = $11, dwells = $12,
           longest_dwell_ms = $13, last_issue_code = $14, last_issue = $15, progressed_at = $16, updated_at = $17, ended_at = $18
         WHERE id = $1`,
        [a.id, a.scopeKind, a.scopeId, a.matchedSteps, a.furthestStep, a.completionPct, a.outcome, JSON.stringify(a.missedSteps),
          JSON.stringify(a.outOfOrder), a.failedSubmits, a.rageClicks, a.dwells, a.longestDwellMs, a.lastIssueCode, a.lastIssue,
          a.progressedAt, a.updatedAt, a.endedAt],
      );
    },
    async replaceSteps(attemptId, steps) {
      await ex.run("DELETE FROM attempt_steps WHERE attempt_id = $1", [attemptId]);
      if (steps.length === 0) return;
      await ex.run(
        `INSERT INTO attempt_steps (attempt_id, step_index, step_id, action_id, matched_at, out_of_order)
         SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::int[])`,
        [attemptId, steps.map((s) => s.stepIndex), steps.map((s) => s.stepId), steps.map((s) => s.actionId), steps.map((s) => s.matchedAt),
          steps.map((s) => (s.outOfOrder ? 1 : 0))],
      );
    },
    async ofSession(sessionRef) {
      const rows = await ex.rows<Row>(`SELECT ${COLUMNS} FROM workflow_attempts WHERE session_ref = $1 ORDER BY id`, [sessionRef]);
      // Most sessions have no attempt (every new one): then there are no steps to read either.
      if (rows.length === 0) return [];
      const steps = new Map<number, AttemptStep[]>();
      const stepRows = await ex.rows<Omit<AttemptStep, "outOfOrder"> & { attemptId: number; outOfOrder: number }>(
        `SELECT st.attempt_id AS "attemptId", st.step_index AS "stepIndex", st.step_id AS "stepId", st.action_id AS "actionId",
                st.matched_at AS "matchedAt", st.out_of_order AS "outOfOrder"
         FROM workflow_attempts a JOIN attempt_steps st ON st.attempt_id = a.id WHERE a.session_ref = $1 ORDER BY st.attempt_id, st.step_index`,
        [sessionRef],
      );
      for (const { attemptId, outOfOrder, ...s } of stepRows) {
        steps.set(attemptId, [...(steps.get(attemptId) ?? []), { ...s, outOfOrder: outOfOrder === 1 }]);
      }
      return rows.map((r) => ({ ...fromRow(r), steps: steps.get(r.id) ?? [] }));
    },
    ofScope: async (productId, kind, scopeId, since, limit) =>
      (await ex.rows<Row>(
        `SELECT * FROM (SELECT ${COLUMNS} FROM workflow_attempts
           WHERE product_id = $1 AND scope_kind = $2 AND scope_id = $3 AND started_at >= $4 ORDER BY started_at DESC, id DESC LIMIT $5) t
         ORDER BY "startedAt", id`,
        [productId, kind, scopeId, since, limit],
      )).map(fromRow),
    async rescopeSession(sessionRef, kind, scopeId) {
      await ex.run("UPDATE workflow_attempts SET scope_kind = $1, scope_id = $2 WHERE session_ref = $3 AND scope_kind = 'session'", [kind, scopeId, sessionRef]);
    },
    abandonQuiet: (before, limit) =>
      ex.run(
        `UPDATE workflow_attempts SET outcome = 'abandoned', ended_at = updated_at
         WHERE id IN (SELECT id FROM workflow_attempts WHERE outcome = 'in_progress' AND updated_at < $1 ORDER BY updated_at LIMIT $2)`,
        [before, limit],
      ),
    async holdForSync(sessionRef) {
      // A transaction-level advisory lock per session (two-key form: apart from the event-log lock's key space).
      // Ids past 2^31 share a key with another session now and then, which only makes one wait for the other.
      await ex.run("SELECT pg_advisory_xact_lock($1, $2)", [MEMORY_SYNC_LOCK_CLASS, sessionRef % 2_147_483_647]);
    },
    cursor: (sessionRef) =>
      ex.row<MemoryCursor>(
        `SELECT session_ref AS "sessionRef", product_id AS "productId", scope_kind AS "scopeKind", scope_id AS "scopeId",
                last_action_id AS "lastActionId", scan, updated_at AS "updatedAt" FROM memory_cursors WHERE session_ref = $1`,
        [sessionRef],
      ),
    async saveCursor(c) {
      await ex.run(
        `INSERT INTO memory_cursors (session_ref, product_id, scope_kind, scope_id, last_action_id, scan, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (session_ref) DO UPDATE SET scope_kind = excluded.scope_kind, scope_id = excluded.scope_id,
           last_action_id = excluded.last_action_id, scan = excluded.scan, updated_at = excluded.updated_at`,
        [c.sessionRef, c.productId, c.scopeKind, c.scopeId, c.lastActionId, c.scan, c.updatedAt],
      );
    },
    async assignmentOf(sessionRef) {
      const row = await ex.row<{ holdout: number; unit: "session" | "user" }>("SELECT holdout, unit FROM session_assignments WHERE session_ref = $1", [sessionRef]);
      return row && { holdout: row.holdout === 1, unit: row.unit };
    },
    // The first assignment stays, whichever instance makes it.
    async assign(sessionRef, holdout, unit, at) {
      await ex.run(
        "INSERT INTO session_assignments (session_ref, holdout, unit, assigned_at) VALUES ($1, $2, $3, $4) ON CONFLICT (session_ref) DO NOTHING",
        [sessionRef, holdout ? 1 : 0, unit, at],
      );
    },
  };
}

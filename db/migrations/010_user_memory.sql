-- User memory (issue 14): every session's attempts at each workflow, the step matches of each attempt (with the
-- action that matched), the attempt tracker's per-session cursor and scope, and each session's holdout
-- assignment for measuring lift. Decisions record the rules that shaped them and whether they were held out.
-- Provisionally numbered: renumber freely at merge, nothing here depends on another migration of the round.

CREATE TABLE workflow_attempts (
  id               INTEGER PRIMARY KEY,
  product_id       TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  session_ref      INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  scope_kind       TEXT NOT NULL CHECK (scope_kind IN ('user', 'session')),
  scope_id         TEXT NOT NULL,               -- the verified user id, or the session's own id
  workflow_id      TEXT NOT NULL,
  expected_steps   INTEGER NOT NULL,
  matched_steps    INTEGER NOT NULL,
  furthest_step    INTEGER NOT NULL,            -- index of the furthest matched step
  completion_pct   REAL NOT NULL,               -- matched ÷ expected × 100
  outcome          TEXT NOT NULL CHECK (outcome IN ('in_progress', 'completed', 'abandoned')),
  missed_steps     TEXT NOT NULL DEFAULT '[]',  -- JSON step ids: before the furthest matched step, never matched
  out_of_order     TEXT NOT NULL DEFAULT '[]',  -- JSON step ids: matched after a later step was
  failed_submits   INTEGER NOT NULL DEFAULT 0,
  rage_clicks      INTEGER NOT NULL DEFAULT 0,
  dwells           INTEGER NOT NULL DEFAULT 0,
  longest_dwell_ms INTEGER NOT NULL DEFAULT 0,
  last_issue_code  TEXT,                        -- failed_submit | rage_click | dwell
  last_issue       TEXT,                        -- what happened, in the product's words
  started_at       INTEGER NOT NULL,            -- wall-clock ms (received) of the first matched step
  progressed_at    INTEGER NOT NULL,            -- of the latest newly matched step
  updated_at       INTEGER NOT NULL,            -- of the latest action that touched the attempt
  ended_at         INTEGER
) STRICT;
CREATE INDEX workflow_attempts_scope ON workflow_attempts (product_id, scope_kind, scope_id, started_at);
CREATE INDEX workflow_attempts_session ON workflow_attempts (session_ref, id);
-- Lift reads a product's attempts by start time; the abandonment sweep finds open attempts gone quiet.
CREATE INDEX workflow_attempts_started ON workflow_attempts (product_id, started_at);
CREATE INDEX workflow_attempts_open ON workflow_attempts (updated_at) WHERE outcome = 'in_progress';

CREATE TABLE attempt_steps (
  attempt_id   INTEGER NOT NULL REFERENCES workflow_attempts(id) ON DELETE CASCADE,
  step_index   INTEGER NOT NULL,
  step_id      TEXT NOT NULL,
  action_id    INTEGER NOT NULL,                -- actions.id (no foreign key: actions are purged on their own)
  matched_at   INTEGER NOT NULL,                -- wall-clock ms the action was received
  out_of_order INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (attempt_id, step_index)
) STRICT, WITHOUT ROWID;

-- The attempt tracker works through each session's actions once, in id order: where it stopped, the small
-- running state it needs between batches (pending starts, the last submit, a click burst), and the scope the
-- session's attempts belong to.
CREATE TABLE memory_cursors (
  session_ref    INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  product_id     TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  scope_kind     TEXT NOT NULL,
  scope_id       TEXT NOT NULL,
  last_action_id INTEGER NOT NULL,
  scan           TEXT NOT NULL,
  updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX memory_cursors_scope ON memory_cursors (product_id, scope_kind, scope_id);

-- Holdout (SUGGEST_HOLDOUT_PCT): decided once per session, by a keyed hash of the session or the user, and kept.
CREATE TABLE session_assignments (
  session_ref INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  holdout     INTEGER NOT NULL CHECK (holdout IN (0, 1)),
  unit        TEXT NOT NULL CHECK (unit IN ('session', 'user')),
  assigned_at INTEGER NOT NULL
) STRICT;

ALTER TABLE suggestion_decisions ADD COLUMN rules TEXT;                       -- JSON [{code, detail}]
ALTER TABLE suggestion_decisions ADD COLUMN holdout INTEGER NOT NULL DEFAULT 0;

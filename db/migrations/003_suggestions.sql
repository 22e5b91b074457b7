-- The suggestion engine: what it suggested, every decision it took (delivered or skipped, and why), and the
-- interruption gates of each session. Times are wall-clock milliseconds from the injected clock, so gate
-- state survives restarts and means the same thing after one.

-- Every candidate text a model produced, delivered or not. Evidence is JSON: window indexes and action ids.
CREATE TABLE suggestions (
  id                INTEGER PRIMARY KEY,
  session_ref       INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  text              TEXT NOT NULL,
  norm_text         TEXT NOT NULL,               -- normalised text, for "never repeat what was shown"
  source            TEXT NOT NULL,               -- llm | rules
  model             TEXT NOT NULL,               -- the LLM's model name, or "rules"
  signal            TEXT,                        -- workflow_step | rage_click | repeated_submit | ping_pong | dwell | llm
  workflow_id       TEXT,
  step_id           TEXT,
  latency_ms        REAL NOT NULL,
  prompt_tokens     INTEGER,
  completion_tokens INTEGER,
  total_tokens      INTEGER,
  evidence          TEXT NOT NULL DEFAULT '{"indexes":[],"actionIds":[]}',
  status            TEXT NOT NULL,               -- delivered | skipped | superseded | publish_failed | retracted
  model_error       TEXT,                        -- why the LLM was not used when rules answered instead
  feedback          TEXT,                        -- accepted | dismissed
  feedback_at       INTEGER,
  created_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX suggestions_session ON suggestions (session_ref, id);
CREATE INDEX suggestions_delivered ON suggestions (session_ref, status, created_at);

-- One row per evaluation that reached a decision. reason is NULL when delivered.
CREATE TABLE suggestion_decisions (
  id            INTEGER PRIMARY KEY,
  session_ref   INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  suggestion_id INTEGER REFERENCES suggestions(id) ON DELETE SET NULL,
  outcome       TEXT NOT NULL,                   -- delivered | skipped
  reason        TEXT,                            -- cooldown | typing | recent_message | reactive | awaiting_interaction | cap | duplicate | declined | superseded | model_error
  trigger       TEXT NOT NULL,                   -- activity | max_wait | recheck | manual
  source        TEXT,                            -- llm | rules, when a model ran
  model_error   TEXT,
  detail        TEXT,
  created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX suggestion_decisions_session ON suggestion_decisions (session_ref, id);

-- Interruption control per session: thinking → proactive | reactive (see server/suggest/gates.ts).
CREATE TABLE suggestion_gates (
  session_ref          INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  state                TEXT NOT NULL,            -- thinking | proactive | reactive
  state_since          INTEGER NOT NULL,
  cooldown_until       INTEGER NOT NULL DEFAULT 0,
  typing_until         INTEGER NOT NULL DEFAULT 0,
  last_user_message_at INTEGER NOT NULL DEFAULT 0,
  dismissals           INTEGER NOT NULL DEFAULT 0, -- consecutive dismissals; each doubles the cooldown
  updated_at           INTEGER NOT NULL
) STRICT;

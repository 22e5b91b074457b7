-- Workflows (golden paths, PROTOCOL.md §6) per product: a product sees only its own. `document` is the
-- validated workflows file as JSON ({"workflows": [...]}); `origin` says where it came from: 'file' (seeded
-- from a workflows file at start-up, re-applied when that file changes) or 'admin' (uploaded through the
-- admin API, never overwritten by a file).
CREATE TABLE product_workflows (
  product_id TEXT PRIMARY KEY REFERENCES products(id) ON DELETE CASCADE,
  document   TEXT NOT NULL,
  origin     TEXT NOT NULL CHECK (origin IN ('file', 'admin')),
  updated_at INTEGER NOT NULL
) STRICT;

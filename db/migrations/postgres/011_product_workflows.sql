-- PostgreSQL twin of ../011_product_workflows.sql.
CREATE TABLE product_workflows (
  product_id TEXT PRIMARY KEY REFERENCES products(id) ON DELETE CASCADE,
  document   TEXT NOT NULL,
  origin     TEXT NOT NULL CHECK (origin IN ('file', 'admin')),
  updated_at BIGINT NOT NULL
);

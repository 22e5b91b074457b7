-- PostgreSQL twin of ../012_attempt_workflow_version.sql.
ALTER TABLE workflow_attempts ADD COLUMN workflow_version TEXT NOT NULL DEFAULT '';

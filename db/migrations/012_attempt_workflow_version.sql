-- Workflow attempts remember which version of their workflow they were made against (its step ids in order,
-- hashed: server/workflows/workflow-version.ts), so a product's workflows can be replaced through the admin API
-- without attempts at an older shape of a workflow counting for the new one. '' (attempts stored before this
-- column): counted for the workflow of the same id.
ALTER TABLE workflow_attempts ADD COLUMN workflow_version TEXT NOT NULL DEFAULT '';

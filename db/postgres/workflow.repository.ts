import type { StoredWorkflows, WorkflowRepository } from "../workflow.repository.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";

export function createPgWorkflowRepository(ex: Executor): AsyncOf<WorkflowRepository> {
  return {
    find: (productId) =>
      ex.row<StoredWorkflows>(
        `SELECT product_id AS "productId", document, origin, updated_at AS "updatedAt" FROM product_workflows WHERE product_id = $1`,
        [productId],
      ),
    async save(productId, document, origin, now) {
      await ex.run(
        `INSERT INTO product_workflows (product_id, document, origin, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (product_id) DO UPDATE SET document = excluded.document, origin = excluded.origin, updated_at = excluded.updated_at`,
        [productId, document, origin, now],
      );
    },
  };
}

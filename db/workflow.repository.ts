import type { Db } from "./connection.js";

export type WorkflowsOrigin = "file" | "admin";

/** A product's stored workflows document (the JSON of a workflows file) and where it came from. */
export interface StoredWorkflows {
  productId: string;
  document: string;
  origin: WorkflowsOrigin;
  updatedAt: number;
}

export function createWorkflowRepository(db: Db) {
  const byProduct = db.prepare<[string], StoredWorkflows>(
    "SELECT product_id AS productId, document, origin, updated_at AS updatedAt FROM product_workflows WHERE product_id = ?",
  );
  const upsert = db.prepare<[string, string, WorkflowsOrigin, number]>(`
    INSERT INTO product_workflows (product_id, document, origin, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (product_id) DO UPDATE SET document = excluded.document, origin = excluded.origin, updated_at = excluded.updated_at`);
  return {
    find: (productId: string): StoredWorkflows | undefined => byProduct.get(productId),
    save(productId: string, document: string, origin: WorkflowsOrigin, now: number): void {
      upsert.run(productId, document, origin, now);
    },
  };
}

export type WorkflowRepository = ReturnType<typeof createWorkflowRepository>;

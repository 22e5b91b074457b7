/**
 * The one per-product source of workflows: every reader (goal inference, suggestions, rolling summaries,
 * chat, the admin views) asks `forProduct(productId)` and gets that product's workflows only — a product
 * with none gets an empty list, never another product's steps. Parsed documents are cached per product and
 * dropped when the product's workflows are replaced.
 */
import type { StoredWorkflows, WorkflowsOrigin } from "../../db/workflow.repository.js";
import type { RepositoryPorts } from "../../db/store.js";
import type { Logger } from "../logger.js";
import { WorkflowsFileSchema, type Workflow } from "./workflows.schema.js";

export interface WorkflowSource {
  /**
   * `via`: the open transaction, when the caller is inside one — a read on the store itself would wait for
   * that very transaction to end.
   */
  forProduct(productId: string, via?: RepositoryPorts): Promise<readonly Workflow[]>;
}

export interface ProductWorkflows {
  workflows: readonly Workflow[];
  origin: WorkflowsOrigin | null;
  updatedAt: number | null;
}

/** Products whose parsed workflows stay cached (product ids are the server's own; this only bounds the unexpected). */
const MAX_CACHED = 1000;
const NONE: ProductWorkflows = { workflows: [], origin: null, updatedAt: null };

/** The same list for every product: for unit tests of code that takes a WorkflowSource. */
export function staticWorkflows(workflows: readonly Workflow[]): WorkflowSource {
  return { forProduct: () => Promise.resolve(workflows) };
}

export function createWorkflowCatalog(deps: { repo: RepositoryPorts["workflows"]; logger: Logger }) {
  const cache = new Map<string, ProductWorkflows>();

  function parse(stored: StoredWorkflows): ProductWorkflows {
    const parsed = WorkflowsFileSchema.safeParse(JSON.parse(stored.document));
    if (!parsed.success) {
      // Stored documents were validated on the way in; this only fires if the schema got stricter since.
      deps.logger.error({ productId: stored.productId }, "stored workflows no longer fit the schema; ignoring them until they are replaced");
      return NONE;
    }
    return { workflows: parsed.data.workflows, origin: stored.origin, updatedAt: stored.updatedAt };
  }

  async function describe(productId: string, via?: RepositoryPorts): Promise<ProductWorkflows> {
    let entry = cache.get(productId);
    if (!entry) {
      const stored = await (via?.workflows ?? deps.repo).find(productId);
      entry = stored ? parse(stored) : NONE;
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(productId, entry);
    }
    return entry;
  }

  return {
    forProduct: async (productId: string, via?: RepositoryPorts): Promise<readonly Workflow[]> => (await describe(productId, via)).workflows,
    describe,
    /** Stores a validated list as the product's workflows (an empty list removes them all). */
    async replace(productId: string, workflows: readonly Workflow[], origin: WorkflowsOrigin, now: number): Promise<ProductWorkflows> {
      await deps.repo.save(productId, JSON.stringify({ workflows }), origin, now);
      cache.delete(productId);
      return describe(productId);
    },
  };
}

export type WorkflowCatalog = ReturnType<typeof createWorkflowCatalog>;

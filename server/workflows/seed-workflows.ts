/**
 * Start-up seeding of stored workflows from files: the built-in example (the demo's golden paths) seeds
 * the demo product; WORKFLOWS_PATH, when set, seeds the default product. A file is applied when the
 * product has none stored or when its stored ones came from a file and the file changed since; workflows
 * uploaded through the admin API are never overwritten by a file.
 */
import type { RepositoryPorts } from "../../db/store.js";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { AppPaths } from "../paths.js";
import type { Instance } from "../products/bootstrap-instance.js";
import { loadWorkflows } from "./load-workflows.js";
import type { Workflow } from "./workflows.schema.js";

export interface WorkflowSeed {
  productId: string;
  file: string;
  workflows: Workflow[];
}

/** Which file seeds which product. Loads (and so validates) each file: a bad one throws WorkflowsFileError. */
export function planWorkflowSeeds(input: {
  workflowsPath: string | undefined;
  exampleFile: string;
  defaultProductId: string;
  demoProductId: string | undefined;
}): WorkflowSeed[] {
  const seeds: WorkflowSeed[] = [];
  if (input.workflowsPath) {
    seeds.push({ productId: input.defaultProductId, file: input.workflowsPath, workflows: loadWorkflows(input.workflowsPath) });
  }
  if (input.demoProductId && !seeds.some((s) => s.productId === input.demoProductId)) {
    seeds.push({ productId: input.demoProductId, file: input.exampleFile, workflows: loadWorkflows(input.exampleFile) });
  }
  return seeds;
}

export async function seedWorkflows(deps: { repos: RepositoryPorts; logger: Logger }, seeds: readonly WorkflowSeed[], now: number): Promise<void> {
  for (const seed of seeds) {
    const document = JSON.stringify({ workflows: seed.workflows });
    const stored = await deps.repos.workflows.find(seed.productId);
    if (stored?.origin === "admin") {
      deps.logger.info({ productId: seed.productId, file: seed.file }, "workflows were uploaded through the admin API; the workflows file is not applied");
      continue;
    }
    if (stored?.document === document) continue;
    await deps.repos.workflows.save(seed.productId, document, "file", now);
    deps.logger.info({ productId: seed.productId, file: seed.file, workflows: seed.workflows.length }, "workflows seeded from file");
  }
}

/** Plans and applies the start-up seeds for an instance (main.ts and the test server alike). */
export async function seedInstanceWorkflows(
  deps: { repos: RepositoryPorts; logger: Logger },
  start: { config: Pick<Config, "WORKFLOWS_PATH">; paths: Pick<AppPaths, "defaultWorkflows">; instance: Pick<Instance, "defaultProduct" | "demoProduct"> },
  now: number,
): Promise<void> {
  const seeds = planWorkflowSeeds({
    workflowsPath: start.config.WORKFLOWS_PATH,
    exampleFile: start.paths.defaultWorkflows,
    defaultProductId: start.instance.defaultProduct.id,
    demoProductId: start.instance.demoProduct?.id,
  });
  await seedWorkflows(deps, seeds, now);
}

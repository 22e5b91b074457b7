/**
 * Everything the app needs from outside, in one typed object (STYLE.md §2): no module-level singletons,
 * so tests swap the database file, the clock or the models.
 */
import type { Db } from "../db/connection.js";
import type { Repositories } from "../db/repositories.js";
import type { Clock } from "./clock.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import type { AppPaths } from "./paths.js";
import type { Instance } from "./products/bootstrap-instance.js";
import type { LlmClient } from "./llm/llm-port.js";
import type { Publisher } from "./suggest/publisher.js";

export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Db;
  repos: Repositories;
  clock: Clock;
  instance: Instance;
  paths: AppPaths;
  /** The LLM port (built by `createLlmClient(config)` when configured); absent or null: the rules model alone. */
  llm?: LlmClient | null;
  /** Hears suggestions the gates let through, after their commit, instead of delivery to widgets (tests observe them). */
  publish?: Publisher;
}

/**
 * Everything the app needs from outside, in one typed object (STYLE.md §2): no module-level singletons,
 * so tests swap the database file, the clock or the models.
 */
import type { Store } from "../db/store.js";
import type { Clock } from "./clock.js";
import type { Coordination } from "./cluster/coordination.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import type { AppPaths } from "./paths.js";
import type { Instance } from "./products/bootstrap-instance.js";
import type { LlmClient } from "./llm/llm-port.js";
import type { Publisher } from "./suggest/publisher.js";

export interface AppDeps {
  config: Config;
  logger: Logger;
  /** Every repository, behind the async port (SQLite or PostgreSQL); use cases never see the driver. */
  store: Store;
  clock: Clock;
  instance: Instance;
  paths: AppPaths;
  /**
   * What instances share besides the database (createCoordination(config, logger): Redis when REDIS_URL is
   * set). Absent: the app makes one from its config and closes it itself. When given, the caller closes it after the app.
   */
  coordination?: Coordination;
  /** The LLM port (built by `createLlmClient(config)` when configured); absent or null: the rules model alone. */
  llm?: LlmClient | null;
  /** Hears suggestions the gates let through, after their commit, instead of delivery to widgets (tests observe them). */
  publish?: Publisher;
}

/** Picks the coordination backend from the configuration: Redis when REDIS_URL is set, else in process. */
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { Coordination } from "./coordination.js";
import { createMemoryCoordination, defaultInstanceId } from "./memory-coordination.js";
import { createRedisCoordination } from "./redis-coordination.js";

export type CoordinationConfig = Pick<Config, "REDIS_URL" | "REDIS_KEY_PREFIX" | "INSTANCE_ID" | "LEADER_LEASE_TTL_MS">;

export function createCoordination(config: CoordinationConfig, logger: Logger): Coordination {
  const instanceId = config.INSTANCE_ID ?? defaultInstanceId();
  if (!config.REDIS_URL) return createMemoryCoordination(logger, { instanceId });
  return createRedisCoordination({
    url: config.REDIS_URL,
    prefix: config.REDIS_KEY_PREFIX,
    instanceId,
    leaseTtlMs: config.LEADER_LEASE_TTL_MS,
    logger,
  });
}

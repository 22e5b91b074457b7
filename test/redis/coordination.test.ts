/** The coordination contract against Redis: each instance with its own connections, one key prefix per test. */
import { createRedisCoordination } from "../../server/cluster/redis-coordination.js";
import { describeCoordinationContract } from "../contract/coordination.contract.js";
import { dropPrefix, TEST_REDIS_URL, testRedis, uniquePrefix } from "./redis-env.js";

describeCoordinationContract("Redis", () => {
  const prefix = uniquePrefix();
  const made: { close(): Promise<void> }[] = [];
  return {
    join(instanceId, log) {
      const c = createRedisCoordination({ url: TEST_REDIS_URL, prefix, instanceId, leaseTtlMs: 600, logger: log.logger });
      made.push(c);
      return c;
    },
    async close() {
      await Promise.all(made.map((c) => c.close()));
      const redis = testRedis();
      await dropPrefix(redis, prefix);
      await redis.quit();
    },
  };
});

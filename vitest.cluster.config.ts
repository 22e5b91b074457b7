import { defineConfig } from "vitest/config";

/**
 * `npm run test:cluster`: three instances of the built server on one PostgreSQL database (a fresh one per
 * run, dropped after) and one Redis (a key prefix per run). PILOTLIGHT_TEST_DATABASE_URL and
 * PILOTLIGHT_TEST_REDIS_URL say where they are (defaults: the machine's PostgreSQL 15 and Redis 7).
 * `npm test` never includes test/cluster.
 */
export default defineConfig({
  test: {
    include: ["test/cluster/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
});

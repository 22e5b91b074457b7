import { defineConfig } from "vitest/config";

/**
 * Server-mode tests against a real Redis (`npm run test:redis`): PILOTLIGHT_TEST_REDIS_URL, default
 * redis://127.0.0.1:6379. Every run uses its own key prefix, so runs and other users of the Redis stay apart.
 */
export default defineConfig({
  test: {
    include: ["test/redis/**/*.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
  },
});

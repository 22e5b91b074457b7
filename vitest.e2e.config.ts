import { defineConfig } from "vitest/config";

/** Browser tests (real Chromium via playwright-core). `npm run test:e2e` builds the bundles first. */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    pool: "forks",
    testTimeout: 90_000,
    hookTimeout: 90_000,
    // One browser at a time: the machine has two cores shared with the server under test.
    maxWorkers: 1,
  },
});

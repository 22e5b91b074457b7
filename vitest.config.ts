import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts", "test/contract/**/*.test.ts", "test/integration/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real servers, real sockets, real SQLite files: keep the 2-core CI machine from oversubscribing.
    maxWorkers: 2,
  },
});

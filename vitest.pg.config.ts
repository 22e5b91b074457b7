import { defineConfig } from "vitest/config";

/**
 * Suites about the SQLite file itself, which have no PostgreSQL counterpart. Everything else in
 * test/integration runs here too, unchanged: the test server opens a PostgreSQL schema of its own instead of a
 * file (test/helpers/test-storage.ts). test/pg/npm-start.test.ts covers the real process on PostgreSQL.
 */
const SQLITE_FILE_SUITES = [
  // SIGKILLs a child process on a DATABASE_PATH file, then reads the file with better-sqlite3.
  "test/integration/crash.test.ts",
  // Spawns the process on DATABASE_PATH files (generated secrets kept in the file across restarts, .env, SIGTERM).
  "test/integration/process.test.ts",
  // Runs `npm run credentials` against a SQLite file and reads it back with the SQLite repositories.
  "test/integration/credentials.test.ts",
  // File modes of the .db/-wal/-shm files, tokens absent from the file's bytes, and an upgrade of a SQLite file
  // written by a release older than the PostgreSQL adapter.
  "test/integration/secrets-at-rest.test.ts",
];

/**
 * `npm run test:pg`: the suites that need a PostgreSQL server (PILOTLIGHT_TEST_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test): test/pg, and the integration suites on the PostgreSQL adapter
 * (PILOTLIGHT_TEST_STORE=postgres). Every test server works in a schema of its own, dropped after;
 * test/pg/global-setup.ts drops what a restart test kept. `npm test` never includes test/pg.
 */
export default defineConfig({
  test: {
    include: ["test/pg/**/*.test.ts", "test/integration/**/*.test.ts"],
    exclude: ["**/node_modules/**", ...SQLITE_FILE_SUITES],
    env: { PILOTLIGHT_TEST_STORE: "postgres" },
    globalSetup: ["test/pg/global-setup.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});

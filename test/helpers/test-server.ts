/**
 * Starts the real app on port 0 with known secrets, over a real SQLite file in a temp directory or, under
 * `npm run test:pg`, a PostgreSQL schema of its own (test/helpers/test-storage.ts).
 * `close()` shuts it down the way SIGTERM would and removes the directory / drops the schema (unless the
 * database path was given: then the test owns the data).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { createApp } from "../../server/app.js";
import { systemClock, type Clock } from "../../server/clock.js";
import { loadConfig } from "../../server/config.js";
import { createLogger, type Logger } from "../../server/logger.js";
import { resolvePaths } from "../../server/paths.js";
import { bootstrapInstance } from "../../server/products/bootstrap-instance.js";
import { createLlmClient } from "../../server/llm/create-llm-client.js";
import type { Publisher } from "../../server/suggest/publisher.js";
import { seedInstanceWorkflows } from "../../server/workflows/seed-workflows.js";
import { openTestStorage } from "./test-storage.js";

export const TEST_SECRETS = {
  ADMIN_TOKEN: "test-admin-token-0123456789",
  PUSH_SECRET: "test-push-secret-0123456789",
  STREAM_TOKEN: "test-stream-token-0123456789",
  IDENTITY_SECRET: "test-identity-secret-0123456789",
  POSTHOG_SECRET: "test-posthog-secret-0123456789",
  PRODUCT_KEY: "pk_test_0123456789",
} as const;

export interface StartOptions {
  env?: Record<string, string>;
  /** Reuse a database file (e.g. to prove a restart keeps everything). */
  databasePath?: string;
  clock?: Clock;
  /** Receives delivered suggestions instead of the session's conversation (default: the conversation). */
  publish?: Publisher;
  /** Where the built browser bundles are served from (default: dist/public). */
  publicDir?: string;
  /** Log somewhere the test can read (default: a logger at TEST_LOG_LEVEL, silent unless set). */
  logger?: Logger;
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

export function tempDir(prefix = "pilotlight-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startTestServer(options: StartOptions = {}) {
  const ownDir = options.databasePath ? undefined : tempDir();
  const databasePath = options.databasePath ?? path.join(ownDir!, "pilotlight.db");
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    DATABASE_PATH: databasePath,
    PORT: "0",
    ...TEST_SECRETS,
    ...options.env,
  });
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL });
  const paths = { ...resolvePaths(), ...(options.publicDir ? { publicDir: options.publicDir } : {}) };
  // The store the app runs on; `sql` is for tests that check rows with SQL of their own.
  const storage = await openTestStorage({ databasePath, shared: !ownDir, migrationsDir: paths.migrationsDir, logger });
  const store = storage.store;
  const clock = options.clock ?? systemClock;
  const instance = await bootstrapInstance({ config, repos: store, clock });
  await seedInstanceWorkflows({ repos: store, logger }, { config, paths, instance }, clock.now());
  const llm = createLlmClient(config, logger);
  const app = createApp({ config, logger, store, clock, instance, paths, llm, ...(options.publish ? { publish: options.publish } : {}) });
  await new Promise<void>((resolve) => app.httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = app.httpServer.address() as AddressInfo;

  let closed = false;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    app,
    config,
    /** Reads rows with the test's own SQL, on whichever store runs (test-storage.ts). */
    sql: storage.sql,
    store,
    /** The store under the name tests have always used for the repositories. */
    repos: store,
    instance,
    workflows: app.services.workflows,
    databasePath,
    clock,
    suggestions: app.services.suggestions,
    /**
     * Shuts the app down and closes the store but keeps the data (file or schema) for a server started again
     * with `databasePath`; removing it is then the test's job.
     */
    async stop(): Promise<void> {
      if (closed) return;
      closed = true;
      await app.close();
      await storage.closeKeepingData();
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await app.close();
      await storage.close();
      if (ownDir) fs.rmSync(ownDir, { recursive: true, force: true });
    },
  };
}

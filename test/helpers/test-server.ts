/**
 * Starts the real app on port 0 over a real SQLite file in a temp directory, with known secrets.
 * `close()` shuts it down the way SIGTERM would and removes the directory (unless the file was given).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { openDatabase } from "../../db/connection.js";
import { migrate } from "../../db/migrate.js";
import { createRepositories } from "../../db/repositories.js";
import { createApp } from "../../server/app.js";
import { systemClock, type Clock } from "../../server/clock.js";
import { loadConfig } from "../../server/config.js";
import { createLogger, type Logger } from "../../server/logger.js";
import { resolvePaths } from "../../server/paths.js";
import { bootstrapInstance } from "../../server/products/bootstrap-instance.js";
import { createLlmClient } from "../../server/llm/create-llm-client.js";
import type { Publisher } from "../../server/suggest/publisher.js";
import { seedInstanceWorkflows } from "../../server/workflows/seed-workflows.js";

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
  const db = openDatabase(databasePath);
  migrate(db, paths.migrationsDir);
  const repos = createRepositories(db);
  const clock = options.clock ?? systemClock;
  const instance = bootstrapInstance({ config, repos, clock });
  seedInstanceWorkflows({ repos, logger }, { config, paths, instance }, clock.now());
  const llm = createLlmClient(config, logger);
  const app = createApp({ config, logger, db, repos, clock, instance, paths, llm, ...(options.publish ? { publish: options.publish } : {}) });
  await new Promise<void>((resolve) => app.httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = app.httpServer.address() as AddressInfo;

  let closed = false;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    app,
    config,
    db,
    repos,
    instance,
    workflows: app.services.workflows,
    databasePath,
    clock,
    suggestions: app.services.suggestions,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await app.close();
      db.close();
      if (ownDir) fs.rmSync(ownDir, { recursive: true, force: true });
    },
  };
}

/**
 * The process: config → logger → database → app → listen → signals. The only module that reads
 * `process.env`, writes to stdout directly, or handles signals.
 */
import { openStore } from "../db/open-store.js";
import { createApp } from "./app.js";
import { createCoordination } from "./cluster/create-coordination.js";
import { systemClock } from "./clock.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { loadDotEnv } from "./dot-env.js";
import { createLogger } from "./logger.js";
import { deprioritiseHelperThreads } from "./ops/helper-threads.js";
import { resolvePaths } from "./paths.js";
import { bootstrapInstance, type GeneratedSecret } from "./products/bootstrap-instance.js";
import { createLlmClient } from "./llm/create-llm-client.js";
import { WorkflowsFileError } from "./workflows/load-workflows.js";
import { seedInstanceWorkflows } from "./workflows/seed-workflows.js";

function loadConfigOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`pilotlight: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

/** Printed once, on the start that generated them; they are stored and never printed or logged again. */
function printGeneratedSecrets(productId: string, generated: readonly GeneratedSecret[]): void {
  const width = Math.max(...generated.map((g) => g.key.length));
  const lines = [
    "",
    `Pilotlight generated these credentials for product "${productId}" and stored them in the database.`,
    "They are shown only this once. Set them in the environment to pin them.",
    "",
    ...generated.map((g) => `  ${g.key.padEnd(width)}  ${g.value}`),
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

async function main(): Promise<void> {
  const envFile = loadDotEnv();
  const config = loadConfigOrExit();
  const logger = createLogger({
    level: config.LOG_LEVEL,
    pretty: Boolean(process.stdout.isTTY) && config.NODE_ENV !== "production",
  });
  if (envFile) logger.info({ file: envFile }, "configuration read from .env (the environment wins over it)");
  const paths = resolvePaths();
  // The SQLite file (migrated, WAL checkpoints on a helper thread); the store behind every repository.
  const { store, schemaVersion: version, location } = await openStore(config, logger, paths.migrationsDir);
  // The event loop first when the server has one core (server/ops/helper-threads.ts).
  const helperThreads = deprioritiseHelperThreads();
  const instance = await bootstrapInstance({ config, repos: store, clock: systemClock });
  try {
    await seedInstanceWorkflows({ repos: store, logger }, { config, paths, instance }, systemClock.now());
  } catch (err) {
    if (err instanceof WorkflowsFileError) {
      process.stderr.write(`pilotlight: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  if (instance.generated.length > 0) printGeneratedSecrets(instance.defaultProduct.id, instance.generated);

  const llm = createLlmClient(config, logger);
  const coordination = createCoordination(config, logger);
  try {
    await coordination.ready();
  } catch (err) {
    // The message names what failed (a refused connection, a bad password), never the URL's credentials.
    process.stderr.write(`pilotlight: Redis (REDIS_URL) did not answer: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  const app = createApp({ config, logger, store, clock: systemClock, instance, paths, llm, coordination });
  app.httpServer.listen(config.PORT, config.HOST, () => {
    const address = app.httpServer.address();
    const port = typeof address === "object" && address ? address.port : config.PORT;
    logger.info(
      {
        url: `http://${config.HOST}:${port}`,
        database: location,
        schemaVersion: version,
        product: instance.defaultProduct.id,
        suggester: llm ? `llm (${llm.model})` : "rules",
        coordination: coordination.mode,
        instance: coordination.instanceId,
      },
      "Pilotlight listening",
    );
  });
  app.httpServer.on("error", (err) => {
    logger.fatal({ err }, "HTTP server error");
    process.exit(1);
  });

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    helperThreads.stop();
    await app.close();
    await coordination.close();
    await store.close();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", (s) => void shutdown(s));
  process.on("SIGINT", (s) => void shutdown(s));
}

void main().catch((err: unknown) => {
  process.stderr.write(`pilotlight: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

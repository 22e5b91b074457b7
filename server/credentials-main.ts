/**
 * `npm run credentials` — shows the credentials of every product (or `--product <id>`), and
 * `--rotate <KEY>` generates a new value, stores it and prints it once. A process entry like main.ts:
 * it reads .env and the environment, opens the same database, and exits.
 */
import { openStore } from "../db/open-store.js";
import { systemClock } from "./clock.js";
import { ConfigError, loadConfig } from "./config.js";
import { loadDotEnv } from "./dot-env.js";
import { resolvePaths } from "./paths.js";
import { bootstrapInstance } from "./products/bootstrap-instance.js";
import { CREDENTIAL_KEYS, CredentialsError, describeCredentials, rotateCredential } from "./products/credentials.js";

const USAGE = `usage: npm run credentials [-- --product <id>] [-- --rotate <${CREDENTIAL_KEYS.join("|")}> [--product <id>]]`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (!value || value.startsWith("--")) throw new CredentialsError(`${name} needs a value\n${USAGE}`);
  return value;
}

async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  loadDotEnv();
  const config = loadConfig(process.env);
  const quiet = { warn: () => undefined, error: () => undefined };
  const { store: repos } = await openStore(config, quiet, resolvePaths().migrationsDir);
  try {
    // The same first-start provisioning as the server, so credentials exist even before its first start
    // (anything generated here is stored and reported below like everything else).
    await bootstrapInstance({ config, repos, clock: systemClock });
    const product = option(args, "--product");
    const rotate = option(args, "--rotate");
    if (rotate) {
      const value = await rotateCredential({ repos, config, now: systemClock.now() }, rotate, product);
      process.stdout.write(
        `New ${rotate}${rotate === "ADMIN_TOKEN" ? "" : ` for product "${product ?? config.PRODUCT_ID}"`}, stored; shown only this once:\n\n  ${value}\n\n` +
          "Restart Pilotlight to apply it; update every sender that used the old value.\n",
      );
      return 0;
    }
    process.stdout.write(`${await describeCredentials({ repos, config }, product)}\n\nDatabase: ${config.DATABASE_PATH}\n`);
    return 0;
  } finally {
    await repos.close();
  }
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (err) {
  if (err instanceof CredentialsError || err instanceof ConfigError) {
    process.stderr.write(`pilotlight credentials: ${err.message}\n`);
    process.exitCode = err instanceof ConfigError ? 78 : 1;
  } else {
    throw err;
  }
}

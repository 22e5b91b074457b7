/**
 * Opens the configured store, migrated: PostgreSQL when `DATABASE_URL` is set (server mode), else the SQLite
 * file at DATABASE_PATH (WAL checkpoints on a worker thread). Nothing above this file knows which.
 */
import path from "node:path";
import { openDatabase } from "./connection.js";
import { migrate } from "./migrate.js";
import { createSqliteStore } from "./sqlite/sqlite-store.js";
import type { Store } from "./store.js";
import { startWalCheckpointer } from "./wal-checkpointer.js";

export interface StoreConfig {
  DATABASE_PATH: string;
  /** postgres://…: PostgreSQL instead of the SQLite file. */
  DATABASE_URL?: string | undefined;
}

/** The URL without its credentials (and query), for logs. */
function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export interface OpenedStore {
  store: Store;
  /** The schema version after migrating. */
  schemaVersion: number;
  /** Where the data lives, for the start-up log line (never a URL with credentials). */
  location: string;
}

export async function openStore(
  config: StoreConfig,
  logger: { warn(details: object, message: string): void; error(details: object, message: string): void },
  migrationsDir: string,
): Promise<OpenedStore> {
  if (config.DATABASE_URL) {
    // Loaded only in server mode: the embedded default never loads the PostgreSQL driver.
    const { createPostgresStore } = await import("./postgres/store.js");
    const store = await createPostgresStore(config.DATABASE_URL, { logger, migrationsDir: path.join(migrationsDir, "postgres") });
    return { store, schemaVersion: await store.schemaVersion(), location: describeUrl(config.DATABASE_URL) };
  }
  const db = openDatabase(config.DATABASE_PATH);
  const version = migrate(db, migrationsDir);
  // Checkpoints run on a helper thread, so the event loop never waits for one (db/wal-checkpointer.ts).
  const checkpointer = config.DATABASE_PATH === ":memory:"
    ? undefined
    : startWalCheckpointer(db, { intervalMs: 500, onError: (message) => logger.warn({ message }, "background WAL checkpoint failed") });
  const store = createSqliteStore(db, { logger });
  const close = store.close.bind(store);
  return {
    store: Object.assign(store, {
      async close(): Promise<void> {
        await checkpointer?.stop();
        await close();
      },
    }),
    schemaVersion: version,
    location: config.DATABASE_PATH,
  };
}

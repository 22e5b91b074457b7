/** A schema of its own per test file on the test PostgreSQL server, dropped after. */
import path from "node:path";
import { createPostgresStore } from "../../db/postgres/store.js";
import type { Store } from "../../db/store.js";
import { adminQuery, createTestSchema as createSchema, dropTestSchema, TEST_DATABASE_URL } from "../helpers/test-storage.js";

export { adminQuery, TEST_DATABASE_URL };
export const PG_MIGRATIONS = path.resolve(import.meta.dirname, "../../db/migrations/postgres");

export const silentLogger = { error: () => undefined };

export interface TestSchema {
  schema: string;
  drop(): Promise<void>;
}

/** A fresh schema (named with this run's prefix, so the run's teardown drops it should a test not). */
export async function createTestSchema(): Promise<TestSchema> {
  const schema = await createSchema();
  return { schema, drop: () => dropTestSchema(schema) };
}

export const openTestStore = (schema: string, max?: number) =>
  createPostgresStore(TEST_DATABASE_URL, { schema, migrationsDir: PG_MIGRATIONS, logger: silentLogger, ...(max ? { max } : {}) });

export interface TwoInstances {
  schema: TestSchema;
  stores: [Store, Store];
  /** Closes both stores and drops the schema. */
  close(): Promise<void>;
}

/**
 * Two instances' stores (a pool each) on one fresh schema: the first migrates it, the second finds it
 * migrated, as a second instance starting beside the first would.
 */
export async function openTwoInstances(max = 2): Promise<TwoInstances> {
  const schema = await createTestSchema();
  const a = await openTestStore(schema.schema, max);
  const b = await openTestStore(schema.schema, max);
  return {
    schema,
    stores: [a, b],
    async close() {
      await Promise.all([a.close(), b.close()]);
      await schema.drop();
    },
  };
}

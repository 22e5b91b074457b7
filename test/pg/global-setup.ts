/**
 * `npm run test:pg`: names this run (the prefix of every schema its test servers make) and, at the end, drops
 * the schemas of this run that a test kept for a restart (test/helpers/test-storage.ts). Other runs on the
 * same PostgreSQL (other checkouts, CI jobs) have other prefixes and are left alone.
 */
import crypto from "node:crypto";
import pg from "pg";

export default function setup(): () => Promise<void> {
  const run = crypto.randomBytes(4).toString("hex");
  // Forked test workers inherit the environment of this process.
  process.env.PILOTLIGHT_TEST_RUN = run;
  return async () => {
    const client = new pg.Client({ connectionString: process.env.PILOTLIGHT_TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test" });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        "SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE $1",
        [`pl_it_${run}_%`],
      );
      for (const { name } of rows) await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    } finally {
      await client.end();
    }
  };
}

/**
 * `npm start` with DATABASE_URL: the built server (dist/server/main.js, as `npm start` runs it after building)
 * as a real process on PostgreSQL. It migrates an empty schema, serves the demo, ingests into PostgreSQL (and
 * creates no SQLite file), and stops cleanly on SIGTERM.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionsEvent } from "../helpers/events.js";
import { pilotlightHeaders } from "../helpers/signing.js";
import { spawnServer } from "../helpers/spawn-server.js";
import { tempDir } from "../helpers/test-server.js";
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from "./pg-helpers.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const PUSH_SECRET = "npm-start-push-secret-0123456789";
const ADMIN_TOKEN = "npm-start-admin-token-0123456789";

let schema: TestSchema;
const dir = tempDir();
beforeAll(async () => {
  const build = spawnSync(process.execPath, [path.join(ROOT, "scripts/build.mjs")], { cwd: ROOT, encoding: "utf8" });
  expect(build.status, build.stderr).toBe(0);
  schema = await createTestSchema();
});
afterAll(async () => {
  await schema?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The server's DATABASE_URL: the test database, with this test's schema as the search path (a libpq option). */
const databaseUrl = () => `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema.schema}`)}`;

async function count(table: string): Promise<number> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return Number((await client.query(`SELECT count(*) AS n FROM ${schema.schema}.${table}`)).rows[0].n);
  } finally {
    await client.end();
  }
}

describe("npm start with DATABASE_URL", () => {
  it("migrates, serves the demo, ingests into PostgreSQL and stops cleanly", async () => {
    const sqliteFile = path.join(dir, "never.db");
    const server = await spawnServer(
      { DATABASE_URL: databaseUrl(), DATABASE_PATH: sqliteFile, PUSH_SECRET, ADMIN_TOKEN, LOG_LEVEL: "info" },
      30_000,
      dir,
      "built",
    );
    try {
      const listening = server.stdout().split("\n").find((l) => l.includes("Pilotlight listening"))!;
      // Where the data lives, without the URL's query (or any credentials).
      expect(JSON.parse(listening)).toMatchObject({ database: "postgres://127.0.0.1:5432/test", schemaVersion: expect.any(Number) });
      expect(await count("schema_migrations")).toBe(JSON.parse(listening).schemaVersion);

      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const demo = await fetch(`${server.url}/`);
      expect(demo.status).toBe(200);
      expect(await demo.text()).toContain("data-product-key");

      const body = JSON.stringify(actionsEvent("npm-start", ["Open report", "Export CSV"]));
      const pushed = await fetch(`${server.url}/v1/webhooks/actions`, { method: "POST", headers: pilotlightHeaders(body, PUSH_SECRET), body });
      expect(pushed.status).toBe(202);
      const ctx = await fetch(`${server.url}/v1/sessions/npm-start/context`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(ctx.status).toBe(200);
      expect(await count("actions")).toBe(2);
      expect(fs.existsSync(sqliteFile)).toBe(false);
    } finally {
      server.child.kill("SIGTERM");
    }
    expect(await server.exited).toBe(0);
    expect(server.stdout()).toContain('"msg":"stopped"');
    expect(server.stderr()).toBe("");
  });
});

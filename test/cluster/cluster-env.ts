/**
 * A deployment for the cluster test: a fresh PostgreSQL database (dropped after), a Redis key prefix of its
 * own, and instances of the built server (`node dist/server/main.js`, as `npm start` runs it) started as
 * child processes with the same secrets. PILOTLIGHT_TEST_DATABASE_URL names the server's maintenance
 * database (default postgres://postgres@127.0.0.1:5432/test); PILOTLIGHT_TEST_REDIS_URL the Redis.
 */
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { TEST_SECRETS } from "../helpers/test-server.js";
import { dropPrefix, TEST_REDIS_URL, testRedis, uniquePrefix } from "../redis/redis-env.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BUILT_MAIN = path.join(ROOT, "dist/server/main.js");
export const ADMIN_DATABASE_URL = process.env.PILOTLIGHT_TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";

export interface TestDatabase {
  url: string;
  name: string;
  /** A client of the test's own, for checks straight against the tables. */
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `pl_cluster_${crypto.randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  return {
    url: url.toString(),
    name,
    query: async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await pool.query<R>(sql, params)).rows,
    async drop() {
      await pool.end();
      const c = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface Instance {
  name: string;
  url: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | string>;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
}

export interface Deployment {
  prefix: string;
  db: TestDatabase;
  start(name: string, env?: Record<string, string>): Promise<Instance>;
  /** Stops every instance still running, drops the database and the Redis keys. */
  close(): Promise<void>;
}

export async function createDeployment(baseEnv: Record<string, string>): Promise<Deployment> {
  if (!fs.existsSync(BUILT_MAIN)) throw new Error(`${BUILT_MAIN} is missing: run npm run build first (npm run test:cluster does)`);
  const db = await createTestDatabase();
  const prefix = uniquePrefix();
  const instances: Instance[] = [];

  async function start(name: string, env: Record<string, string> = {}): Promise<Instance> {
    const child = spawn(process.execPath, ["--enable-source-maps", BUILT_MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        NODE_ENV: "test",
        HOST: "127.0.0.1",
        PORT: "0",
        LOG_LEVEL: "info",
        ...TEST_SECRETS,
        DATABASE_URL: db.url,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        INSTANCE_ID: name,
        ...baseEnv,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`instance ${name} did not start in 30 s:\n${out}`)), 30_000);
      const check = () => {
        const match = /"url":"(http:\/\/[^"]+)".*"msg":"Pilotlight listening"/.exec(out);
        if (!match) return;
        clearTimeout(timer);
        child.stdout!.off("data", check);
        resolve(match[1]!);
      };
      child.stdout!.on("data", check);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`instance ${name} exited (${code}) before listening:\n${out}`));
      });
    });
    const instance: Instance = {
      name,
      url,
      child,
      output: () => out,
      exited,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        await exited;
      },
    };
    instances.push(instance);
    return instance;
  }

  return {
    prefix,
    db,
    start,
    async close() {
      await Promise.all(instances.map((i) => i.stop()));
      await db.drop();
      const redis = testRedis();
      await dropPrefix(redis, prefix);
      await redis.quit();
    },
  };
}

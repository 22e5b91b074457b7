/**
 * Secrets at rest: the SQLite file, its WAL and its shared-memory file are readable by their owner only
 * (0600), and the bearer tokens (admin token, stream tokens) are stored as SHA-256 hashes — on a fresh
 * start, and after the migration that converts a database written by an older Pilotlight.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/connection.js";
import { migrate } from "../../db/migrate.js";
import { resolvePaths } from "../../server/paths.js";
import { pushActions } from "../helpers/suggestions.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/test-server.js";

const servers: TestServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

/** Generated tokens: the env gives none (an empty value means unset). */
const GENERATE_TOKENS = { ADMIN_TOKEN: "", STREAM_TOKEN: "" };

async function start(databasePath: string, env: Record<string, string> = {}) {
  const server = await startTestServer({ databasePath, env });
  servers.push(server);
  return server;
}

function freshPath(): string {
  const dir = tempDir();
  dirs.push(dir);
  return path.join(dir, "pilotlight.db");
}

const FILES = ["", "-wal", "-shm"];
const modeOf = (file: string) => fs.statSync(file).mode & 0o777;
/** Every byte SQLite keeps for this database, as text. */
const rawBytes = (db: string) => FILES.filter((s) => fs.existsSync(db + s)).map((s) => fs.readFileSync(db + s).toString("latin1")).join("\n");
const sha256 = (s: string) => crypto.createHash("sha256").update(s).digest("hex");

async function adminStatus(server: TestServer, token: string) {
  return (await fetch(`${server.url}/v1/admin/sessions`, { headers: { authorization: `Bearer ${token}` } })).status;
}
async function streamStatus(server: TestServer, token: string) {
  const controller = new AbortController();
  const res = await fetch(`${server.url}/v1/stream/demo`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  controller.abort();
  return res.status;
}

describe("the database file", () => {
  it("is created 0600 with its WAL and shared-memory files, whatever the umask", async () => {
    const previous = process.umask(0o022);
    try {
      const db = freshPath();
      const server = await start(db);
      await pushActions(server.url, "s-mode", [{ url: "/x" }]);
      for (const suffix of FILES) {
        expect(fs.existsSync(db + suffix), `${suffix || "db"} exists`).toBe(true);
        expect(modeOf(db + suffix).toString(8), `${path.basename(db + suffix)}`).toBe("600");
      }
    } finally {
      process.umask(previous);
    }
  });

  it("is made 0600 when an older install left it readable by others", async () => {
    const db = freshPath();
    const old = openDatabase(db);
    old.close();
    for (const suffix of FILES) if (fs.existsSync(db + suffix)) fs.chmodSync(db + suffix, 0o644);
    fs.chmodSync(db, 0o644);
    await start(db);
    for (const suffix of FILES) if (fs.existsSync(db + suffix)) expect(modeOf(db + suffix).toString(8)).toBe("600");
  });
});

describe("bearer tokens", () => {
  it("are stored as hashes: a generated admin and stream token work, and neither is anywhere in the file", async () => {
    const db = freshPath();
    const server = await start(db, GENERATE_TOKENS);
    const generated = Object.fromEntries(server.instance.generated.map((g) => [g.key, g.value]));
    const admin = generated.ADMIN_TOKEN!;
    const stream = generated.STREAM_TOKEN!;
    expect(await adminStatus(server, admin)).toBe(200);
    expect(await streamStatus(server, stream)).toBe(200);
    expect(await adminStatus(server, `${admin}x`)).toBe(401);
    expect(rawBytes(db)).not.toContain(admin);
    expect(rawBytes(db)).not.toContain(stream);
    expect(await server.sql.value("SELECT value FROM settings WHERE key = 'admin_token_sha256'")).toBe(sha256(admin));
    await server.close();

    // After a restart the same tokens still work (nothing printed, nothing regenerated).
    const again = await start(db, GENERATE_TOKENS);
    expect(again.instance.generated).toEqual([]);
    expect(await adminStatus(again, admin)).toBe(200);
    expect(await streamStatus(again, stream)).toBe(200);
  });

  it("written in clear by an older Pilotlight are converted by the migration and keep working", async () => {
    const db = freshPath();
    // The schema before hashing: the shipped migrations before it, and tokens in clear as that version stored them.
    const oldMigrations = tempDir("pilotlight-old-migrations-");
    dirs.push(oldMigrations);
    const shipped = fs.readdirSync(resolvePaths().migrationsDir);
    const hashing = Number(shipped.find((f) => f.endsWith("_hashed_tokens.sql"))!.slice(0, 3));
    for (const file of shipped.filter((f) => Number(f.slice(0, 3)) < hashing)) {
      fs.copyFileSync(path.join(resolvePaths().migrationsDir, file), path.join(oldMigrations, file));
    }
    const adminToken = "pladm_written_in_clear_by_an_older_version";
    const streamToken = "plst_written_in_clear_by_an_older_version";
    const old = openDatabase(db);
    migrate(old, oldMigrations);
    old.prepare("INSERT INTO settings (key, value) VALUES ('admin_token', ?)").run(adminToken);
    old
      .prepare(
        `INSERT INTO products (id, name, push_secret, stream_token, product_key, identity_secret, posthog_secret, allowed_origins, created_at, updated_at)
         VALUES ('demo', 'demo', 'plps_0123456789abcdef', ?, 'pk_old_0123456789', 'plid_0123456789abcdef', 'plph_0123456789abcdef', '[]', 0, 0)`,
      )
      .run(streamToken);
    old.close();
    expect(rawBytes(db)).toContain(adminToken);

    const server = await start(db, { ...GENERATE_TOKENS, PUSH_SECRET: "", PRODUCT_KEY: "", IDENTITY_SECRET: "", POSTHOG_SECRET: "" });
    expect(server.instance.generated).toEqual([]);
    expect(await adminStatus(server, adminToken)).toBe(200);
    expect(await streamStatus(server, streamToken)).toBe(200);
    expect(await server.sql.value("SELECT value FROM settings WHERE key = 'admin_token_sha256'")).toBe(sha256(adminToken));
    expect(await server.sql.value("SELECT count(*) AS n FROM settings WHERE key = 'admin_token'")).toBe(0);
    expect(rawBytes(db)).not.toContain(adminToken);
    expect(rawBytes(db)).not.toContain(streamToken);
  });
});

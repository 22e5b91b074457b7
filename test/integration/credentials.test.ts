/**
 * `npm run credentials`: shows what both sides must know (product key, HMAC secrets), never the tokens the
 * server only verifies, and rotates any of them — printing the new value once — unless the environment
 * pins it. Runs the real entry point as a child process against a real database file.
 */
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/connection.js";
import { createRepositories } from "../../db/repositories.js";
import { spawnServer } from "../helpers/spawn-server.js";
import { tempDir } from "../helpers/test-server.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const DB = path.join(dir, "c.db");

function credentials(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), path.join(ROOT, "server/credentials-main.ts"), ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATABASE_PATH: DB, ...env },
    encoding: "utf8",
  });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

const sha256 = (s: string) => crypto.createHash("sha256").update(s).digest("hex");

const stored = () => {
  const db = openDatabase(DB);
  try {
    const repos = createRepositories(db);
    return { product: repos.products.findById("demo")!, adminHash: repos.settings.get("admin_token_sha256")! };
  } finally {
    db.close();
  }
};

describe("npm run credentials", () => {
  it("shows the product key and HMAC secrets, never the admin or stream token", () => {
    const { code, out } = credentials([]);
    expect(code).toBe(0);
    const { product, adminHash } = stored();
    expect(out).toContain(product.productKey);
    expect(out).toContain(product.pushSecret);
    expect(out).toContain(product.posthogSecret);
    // Verify-only tokens are stored as hashes: neither a token nor its hash is printed.
    expect(out).not.toContain(product.streamTokenHash);
    expect(out).not.toContain(adminHash);
    expect(out).not.toMatch(/pladm_|plst_/);
    expect(out).toMatch(/ADMIN_TOKEN\s+\(not shown: rotate it/);
    expect(out).toMatch(/STREAM_TOKEN\s+\(not shown: rotate it/);
  });

  it("rotates a secret, printing the new value once and storing it", () => {
    const before = stored().product.pushSecret;
    const { code, out } = credentials(["--rotate", "PUSH_SECRET"]);
    expect(code).toBe(0);
    const after = stored().product.pushSecret;
    expect(after).not.toBe(before);
    expect(out).toContain(after);
  });

  it("rotates the admin and stream tokens, storing only their hashes; the server accepts them after a restart", async () => {
    const admin = credentials(["--rotate", "ADMIN_TOKEN"]);
    expect(admin.code).toBe(0);
    const token = /pladm_[\w-]+/.exec(admin.out)?.[0] ?? "";
    expect(stored().adminHash).toBe(sha256(token));
    const stream = credentials(["--rotate", "STREAM_TOKEN", "--product", "demo"]);
    expect(stream.code).toBe(0);
    const streamToken = /plst_[\w-]+/.exec(stream.out)?.[0] ?? "";
    expect(stored().product.streamTokenHash).toBe(sha256(streamToken));
    const server = await spawnServer({ DATABASE_PATH: DB });
    try {
      expect((await fetch(`${server.url}/v1/admin/stats`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      const live = new AbortController();
      const res = await fetch(`${server.url}/v1/stream/demo`, { headers: { authorization: `Bearer ${streamToken}` }, signal: live.signal });
      expect(res.status).toBe(200);
      live.abort();
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });

  it("refuses to rotate a value pinned in the environment, and names an unknown key or product", () => {
    const pinned = credentials(["--rotate", "PUSH_SECRET"], { PUSH_SECRET: "pinned-push-secret-0123456789" });
    expect(pinned.code).toBe(1);
    expect(pinned.err).toMatch(/PUSH_SECRET is set in the environment \(or \.env\): change it there/);
    expect(credentials(["--rotate", "NOPE"]).err).toMatch(/unknown credential "NOPE"/);
    expect(credentials(["--product", "nope"]).err).toMatch(/no product "nope"/);
  });
});

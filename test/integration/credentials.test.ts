/**
 * `npm run credentials`: shows what both sides must know (product key, HMAC secrets), never the tokens the
 * server only verifies, and rotates any of them — printing the new value once — unless the environment
 * pins it. Runs the real entry point as a child process against a real database file.
 */
import { spawnSync } from "node:child_process";
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

const stored = () => {
  const db = openDatabase(DB);
  try {
    const repos = createRepositories(db);
    return { product: repos.products.findById("demo")!, admin: repos.settings.get("admin_token")! };
  } finally {
    db.close();
  }
};

describe("npm run credentials", () => {
  it("shows the product key and HMAC secrets, never the admin or stream token", () => {
    const { code, out } = credentials([]);
    expect(code).toBe(0);
    const { product, admin } = stored();
    expect(out).toContain(product.productKey);
    expect(out).toContain(product.pushSecret);
    expect(out).toContain(product.posthogSecret);
    expect(out).not.toContain(product.streamToken);
    expect(out).not.toContain(admin);
    expect(out).toMatch(/ADMIN_TOKEN\s+\(not shown: rotate it/);
  });

  it("rotates a secret, printing the new value once and storing it", () => {
    const before = stored().product.pushSecret;
    const { code, out } = credentials(["--rotate", "PUSH_SECRET"]);
    expect(code).toBe(0);
    const after = stored().product.pushSecret;
    expect(after).not.toBe(before);
    expect(out).toContain(after);
  });

  it("rotates the admin token, which the server accepts after a restart", async () => {
    const { code, out } = credentials(["--rotate", "ADMIN_TOKEN"]);
    expect(code).toBe(0);
    const token = stored().admin;
    expect(out).toContain(token);
    const server = await spawnServer({ DATABASE_PATH: DB });
    try {
      expect((await fetch(`${server.url}/v1/admin/stats`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
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

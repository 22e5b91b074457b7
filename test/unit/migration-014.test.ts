/**
 * Migration 014 (one message per suggestion) on a SQLite file an earlier release wrote with a suggestion
 * stored twice in its conversation: the first one shown stays, the copy goes, and the unique index then
 * refuses a second copy.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/connection.js";
import { migrate } from "../../db/migrate.js";
import { resolvePaths } from "../../server/paths.js";
import { tempDir } from "../helpers/test-server.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("migration 014: one message per suggestion", () => {
  it("keeps the first copy of a suggestion stored twice, then refuses another", () => {
    const shipped = resolvePaths().migrationsDir;
    const before = tempDir("pilotlight-mig-");
    const dir = tempDir("pilotlight-db-");
    dirs.push(before, dir);
    for (const f of fs.readdirSync(shipped).filter((f) => /^\d{3}_.*\.sql$/.test(f) && Number(f.slice(0, 3)) < 14)) {
      fs.copyFileSync(path.join(shipped, f), path.join(before, f));
    }
    const db = openDatabase(path.join(dir, "old.db"));
    try {
      expect(migrate(db, before)).toBe(13);
      db.prepare(
        `INSERT INTO products (id, name, push_secret, stream_token_sha256, product_key, identity_secret, posthog_secret, allowed_origins, created_at, updated_at)
         VALUES ('p', 'P', 's', 'h', 'pk_x', NULL, 'ph', '[]', 0, 0)`,
      ).run();
      db.prepare("INSERT INTO conversations (id, product_id, last_seq, created_at) VALUES ('c', 'p', 4, 0)").run();
      const message = db.prepare("INSERT INTO messages (id, conversation_id, seq, role, text, suggestion_id, created_at) VALUES (?, 'c', ?, ?, ?, ?, 0)");
      message.run("m1", 1, "suggestion", "Try export", 7);
      message.run("m2", 2, "user", "ok", null);
      message.run("m3", 3, "suggestion", "Try export", 7);
      message.run("m4", 4, "suggestion", "Another", 8);

      expect(migrate(db, shipped)).toBeGreaterThanOrEqual(14);
      expect(db.prepare("SELECT id FROM messages ORDER BY seq").pluck().all()).toEqual(["m1", "m2", "m4"]);
      expect(() => message.run("m5", 5, "suggestion", "Try export", 7)).toThrow(/UNIQUE/);
    } finally {
      db.close();
    }
  });
});

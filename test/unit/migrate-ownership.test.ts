/**
 * The ownership migration on a database built with the previous schema and its kind of data: owners come
 * only from what the old data proves (a verified handshake's user_sessions entry, a trusted source's
 * user_id, an owned conversation); nothing a browser merely claimed becomes an owner, and sessions or
 * conversations the old code let two users into are locked rather than handed to either.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "../../db/connection.js";
import { migrate } from "../../db/migrate.js";
import { createRepositories } from "../../db/repositories.js";
import { resolvePaths } from "../../server/paths.js";
import { tempDir } from "../helpers/test-server.js";

/** The schema version before ownership existed (whatever number the ownership migration gets at merge). */
const OLD_VERSION = Number(fs.readdirSync(resolvePaths().migrationsDir).find((f) => f.endsWith("_ownership.sql"))!.slice(0, 3)) - 1;

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function oldDatabase(): { db: Db; file: string } {
  const shipped = resolvePaths().migrationsDir;
  const dir = tempDir("pilotlight-old-schema-");
  dirs.push(dir);
  for (const f of fs.readdirSync(shipped).filter((f) => Number(f.slice(0, 3)) <= OLD_VERSION)) fs.copyFileSync(path.join(shipped, f), path.join(dir, f));
  const file = path.join(dir, "old.db");
  const db = openDatabase(file);
  expect(migrate(db, dir)).toBe(OLD_VERSION);
  return { db, file };
}

function seedOldData(db: Db): void {
  const now = 1_764_000_000_000;
  db.prepare(`INSERT INTO products (id, name, push_secret, stream_token, product_key, identity_secret, posthog_secret, created_at, updated_at)
              VALUES ('demo', 'demo', 'p', 's', 'pk_demo_0123', 'i', 'h', ?, ?)`).run(now, now);
  const session = db.prepare("INSERT INTO sessions (id, product_id, session_key, user_id, first_seen_at, last_seen_at) VALUES (?, 'demo', ?, ?, ?, ?)");
  const action = db.prepare(`INSERT INTO actions (session_ref, dedupe_key, batch_index, type, title, description, canonical_url, timestamp_start, timestamp_end, user_id, source, received_at)
                             VALUES (?, ?, 0, 'click', 't', 'd', '/x', 0, 0, ?, ?, ?)`);
  const index = db.prepare("INSERT INTO user_sessions (product_id, user_id, session_ref, last_seen_at) VALUES ('demo', ?, ?, ?)");
  const conversation = db.prepare("INSERT INTO conversations (id, product_id, user_id, created_at) VALUES (?, 'demo', ?, ?)");
  const link = db.prepare("INSERT INTO conversation_links (session_ref, conversation_id, kind, linked_at) VALUES (?, ?, 'new', ?)");
  const suggestion = db.prepare(`INSERT INTO suggestions (session_ref, text, norm_text, source, model, latency_ms, status, created_at)
                                 VALUES (?, 'x', 'x', 'rules', 'rules', 1, ?, ?)`);

  // 1. A verified handshake: its user_sessions entry proves the owner.
  session.run(1, "s-verified", "alice", now, now);
  index.run("alice", 1, now);
  // 2. Capture with a claimed user_id and nothing else: a label, never an owner.
  session.run(2, "s-capture", "mallory", now, now);
  action.run(2, 21, "mallory", "capture", now);
  // 3. The push webhook (trusted) named the user.
  session.run(3, "s-push", "carol", now, now);
  action.run(3, 31, "carol", "push", now);
  action.run(3, 32, null, "connector", now);
  // 4. PostHog's distinct_id, identified or not, cannot be told apart in old data: no owner.
  session.run(4, "s-posthog", "0193-anon", now, now);
  action.run(4, 41, "0193-anon", "posthog", now);
  // 5. The old bug: bob named alice's session, so both are in the index (and bob's id on the row).
  session.run(5, "s-disputed", "bob", now, now);
  index.run("alice", 5, now);
  index.run("bob", 5, now);
  // 6. A verified user's thread started by a suggestion: stored without a user, linked to her session only.
  session.run(6, "s-suggested", "dana", now, now);
  index.run("dana", 6, now);
  conversation.run("cv_suggested", null, now);
  link.run(6, "cv_suggested", now);
  suggestion.run(6, "delivered", now);
  // 7. An owned conversation: every session linked to it is that user's.
  session.run(7, "s-linked", null, now, now);
  conversation.run("cv_erin", "erin", now);
  link.run(7, "cv_erin", now);
  // 8. An anonymous visitor's thread stays anonymous.
  session.run(8, "s-anon", null, now, now);
  conversation.run("cv_anon", null, now);
  link.run(8, "cv_anon", now);
  // 9. A thread the old code let two different users' sessions into.
  session.run(9, "s-shared-a", null, now, now);
  session.run(10, "s-shared-b", null, now, now);
  index.run("frank", 9, now);
  index.run("gina", 10, now);
  conversation.run("cv_shared", null, now);
  link.run(9, "cv_shared", now);
  link.run(10, "cv_shared", now);
}

describe("migration: owners for existing sessions and conversations", () => {
  it("moves old data forward: owners only where the data proves one, nothing untrusted, disputes locked", () => {
    const { db } = oldDatabase();
    seedOldData(db);
    const version = migrate(db, resolvePaths().migrationsDir);
    expect(version).toBeGreaterThan(OLD_VERSION);
    const repos = createRepositories(db);
    const owner = (key: string) => repos.sessions.findByKey("demo", key)?.ownerId;

    expect(owner("s-verified")).toBe("alice");
    expect(owner("s-capture")).toBeNull();
    expect(repos.sessions.findByKey("demo", "s-capture")?.userId).toBe("mallory"); // still shown as claimed
    expect(owner("s-push")).toBe("carol");
    expect(owner("s-posthog")).toBeNull();
    expect(owner("s-suggested")).toBe("dana");
    expect(owner("s-linked")).toBe("erin");
    expect(owner("s-anon")).toBeNull();

    // Disputed: owned by nobody anyone can prove to be, so no socket can join it.
    expect(owner("s-disputed")).toBe("");
    expect(repos.conversations.findById("cv_shared")?.userId).toBe("");

    expect(repos.conversations.findById("cv_suggested")?.userId).toBe("dana");
    expect(repos.conversations.findById("cv_erin")?.userId).toBe("erin");
    expect(repos.conversations.findById("cv_anon")?.userId).toBeNull();

    // The user → sessions index keeps only sessions the user owns, and gains the trusted sources' ones.
    const index = (u: string) => repos.userSessions.recent("demo", u, 0, 10).map((s) => s.sessionId).sort();
    expect(index("alice")).toEqual(["s-verified"]);
    expect(index("bob")).toEqual([]);
    expect(index("carol")).toEqual(["s-push"]);
    expect(index("erin")).toEqual(["s-linked"]);
    expect(index("mallory")).toEqual([]);
    expect(index("frank")).toEqual(["s-shared-a"]); // his alone; the shared thread is locked

    // Suggestions: old "delivered" stays delivered (when it was received is unknown).
    expect(repos.suggestions.recent(6, 1)[0]).toMatchObject({ status: "delivered", deliveredAt: null });
    db.close();
  });

  it("an empty old database migrates cleanly", () => {
    const { db } = oldDatabase();
    expect(() => migrate(db, resolvePaths().migrationsDir)).not.toThrow();
    db.close();
  });
});

/**
 * Crash safety: a real server process under continuous signed ingestion from several concurrent senders
 * is killed with SIGKILL at random moments, again and again, and restarted on the same database file.
 * Every payload that was answered 2xx must be stored exactly once; any other at most once, and whole.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { signPilotlight } from "../../server/ingest/push-signature.js";
import { spawnServer, type SpawnedServer } from "../helpers/spawn-server.js";
import { tempDir } from "../helpers/test-server.js";

const PUSH_SECRET = "crash-push-secret-0123456789";
const ADMIN_TOKEN = "crash-admin-token-0123456789";
const SENDERS = 4;
const KILLS = 6;
const ACTIONS_PER_PAYLOAD = 3;

interface Payload {
  id: string;
  body: string;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

let serial = 0;
function newPayload(sender: number): Payload {
  const id = `p${sender}-${serial++}`;
  const body = JSON.stringify({
    type: "actions",
    // A handful of sessions per sender, so payloads also race on the same session rows.
    session_id: `crash-${sender}-${serial % 5}`,
    actions: Array.from({ length: ACTIONS_PER_PAYLOAD }, (_, i) => ({
      type: "click",
      title: `${id}#${i}`,
      description: `payload ${id} action ${i}`,
      canonical_url: "/crash",
      timestamp_start: serial * 10 + i,
    })),
  });
  return { id, body };
}

async function send(url: string, p: Payload): Promise<number> {
  const res = await fetch(`${url}/v1/webhooks/actions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-pilotlight-signature": signPilotlight(PUSH_SECRET, p.body, Math.floor(Date.now() / 1000)) },
    body: p.body,
  });
  await res.arrayBuffer();
  return res.status;
}

describe("crash safety", () => {
  it(`keeps every acknowledged payload exactly once across ${KILLS} SIGKILLs under concurrent ingestion`, async () => {
    const dir = tempDir("pilotlight-crash-");
    dirs.push(dir);
    const databasePath = path.join(dir, "pilotlight.db");
    const env = { DATABASE_PATH: databasePath, PUSH_SECRET, ADMIN_TOKEN, LOG_LEVEL: "info" };

    const acked = new Set<string>();
    const attempted = new Map<string, Payload>();
    const unexpected: string[] = [];
    // Unanswered payloads a sender will deliver again after the restart, as a real connector would.
    const retry: Payload[][] = Array.from({ length: SENDERS }, () => []);
    const killPoints: number[] = [];

    for (let round = 0; round < KILLS; round++) {
      const server: SpawnedServer = await spawnServer(env);
      const killAfter = 1 + Math.floor(Math.random() * 150);
      killPoints.push(killAfter);
      let acksThisRound = 0;
      let killed = false;

      const sender = async (s: number) => {
        while (!killed) {
          const payload = retry[s]!.shift() ?? newPayload(s);
          attempted.set(payload.id, payload);
          let status: number;
          try {
            status = await send(server.url, payload);
          } catch {
            // Connection cut by the kill: not acknowledged. Retry about half of them after the restart.
            if (Math.random() < 0.5) retry[s]!.push(payload);
            continue;
          }
          if (status !== 202) {
            unexpected.push(`${payload.id}: HTTP ${status}`);
            continue;
          }
          acked.add(payload.id);
          if (++acksThisRound === killAfter) {
            // A random few milliseconds later, so the kill lands anywhere in the requests then in flight.
            setTimeout(() => {
              killed = true;
              server.child.kill("SIGKILL");
            }, Math.random() * 25);
          }
        }
      };
      await Promise.all(Array.from({ length: SENDERS }, (_, s) => sender(s)));
      expect(await server.exited).toBe("SIGKILL");
    }

    // The last restart: it must come up on the crashed file and still take ingestion.
    const last = await spawnServer(env);
    const final = newPayload(0);
    attempted.set(final.id, final);
    expect(await send(last.url, final)).toBe(202);
    acked.add(final.id);
    last.child.kill("SIGTERM");
    expect(await last.exited).toBe(0);

    expect(unexpected).toEqual([]);
    const db = new Database(databasePath, { readonly: true });
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      const stored = new Map<string, number>();
      for (const { title } of db.prepare<[], { title: string }>("SELECT title FROM actions").all()) {
        const id = title.split("#")[0]!;
        stored.set(id, (stored.get(id) ?? 0) + 1);
      }
      const context = `kill points (acks per round): ${killPoints.join(", ")}`;
      for (const id of acked) expect(stored.get(id), `acknowledged ${id} — ${context}`).toBe(ACTIONS_PER_PAYLOAD);
      for (const [id, count] of stored) {
        expect(attempted.has(id), `stored ${id} was never sent`).toBe(true);
        // Unacknowledged payloads: at most once, and never half (one transaction per payload).
        expect([0, ACTIONS_PER_PAYLOAD], `payload ${id} — ${context}`).toContain(count);
      }
      // Session counters were committed with their actions.
      const drift = db
        .prepare("SELECT session_key FROM sessions s WHERE action_count <> (SELECT count(*) FROM actions WHERE session_ref = s.id)")
        .all();
      expect(drift).toEqual([]);
      expect(acked.size).toBeGreaterThan(KILLS);
    } finally {
      db.close();
    }
  }, 180_000);
});

import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fixtureText } from "../helpers/fixtures.js";
import { runMain, spawnServer } from "../helpers/spawn-server.js";
import { tempDir } from "../helpers/test-server.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function freshDb(): string {
  const dir = tempDir();
  dirs.push(dir);
  return path.join(dir, "nested", "pilotlight.db");
}

describe("the server process", () => {
  it("starts with no configuration, generates and prints secrets once, and keeps them across restarts", async () => {
    const db = freshDb();
    const first = await spawnServer({ DATABASE_PATH: db });
    const printed = first.stdout();
    for (const key of ["ADMIN_TOKEN", "PUSH_SECRET", "STREAM_TOKEN", "PRODUCT_KEY", "IDENTITY_SECRET", "POSTHOG_SECRET"]) {
      expect(printed).toMatch(new RegExp(`^\\s+${key}\\s+\\S+$`, "m"));
    }
    const secret = /PUSH_SECRET\s+(\S+)/.exec(printed)![1]!;
    const admin = /ADMIN_TOKEN\s+(\S+)/.exec(printed)![1]!;
    // Printed exactly once, and never in a log line.
    expect(printed.split(secret).length - 1).toBe(1);
    expect(printed.split("\n").filter((l) => l.startsWith("{")).join("\n")).not.toContain(secret);

    const { signPilotlight } = await import("../../server/ingest/push-signature.js");
    const body = fixtureText("autoplay-actions.json");
    const res = await fetch(`${first.url}/v1/webhooks/actions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-pilotlight-signature": signPilotlight(secret, body, Math.floor(Date.now() / 1000)) },
      body,
    });
    expect(res.status).toBe(202);
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain('"msg":"stopped"');

    const second = await spawnServer({ DATABASE_PATH: db });
    expect(second.stdout()).not.toContain(secret);
    expect(second.stdout()).not.toContain("generated these credentials");
    const ctx = await fetch(`${second.url}/v1/sessions/ps_7f3a9c/context`, { headers: { authorization: `Bearer ${admin}` } });
    expect(ctx.status).toBe(200);
    expect(((await ctx.json()) as { text: string }).text).toBe(fixtureText("autoplay-actions.txt"));
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  });

  it("refuses to start on invalid configuration, naming every bad key", async () => {
    const run = runMain({ DATABASE_PATH: freshDb(), PORT: "http", LOG_LEVEL: "chatty", PUSH_SECRET: "tiny" });
    expect(await run.exited).toBe(78);
    for (const key of ["PORT", "LOG_LEVEL", "PUSH_SECRET"]) expect(run.stderr()).toContain(key);
    expect(run.stderr()).not.toContain("tiny");
  });

  it("refuses to start with a workflows file that does not fit, naming the file and the problem", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, "workflows.json");
    fs.writeFileSync(file, JSON.stringify({ workflows: [{ id: "w", name: "W", steps: [{ id: "s", match: {}, hint: "h" }] }] }));
    const run = runMain({ DATABASE_PATH: freshDb(), WORKFLOWS_PATH: file });
    expect(await run.exited).toBe(78);
    expect(run.stderr()).toContain(file);
    expect(run.stderr()).toContain("match needs at least one of url, type, text");
  });

  it("reads .env from its working directory, with the real environment winning over the file", async () => {
    const dir = tempDir();
    dirs.push(dir);
    fs.writeFileSync(
      path.join(dir, ".env"),
      ["# an integrator's .env", "PRODUCT_ID=from-file", "ADMIN_TOKEN=admin-token-from-dot-env-0123", "DEMO_ENABLED=false", ""].join("\n"),
    );
    const server = await spawnServer({ DATABASE_PATH: path.join(dir, "p.db"), PRODUCT_ID: "from-env" }, 20_000, dir);
    try {
      const res = await fetch(`${server.url}/v1/admin/installation`, { headers: { authorization: "Bearer admin-token-from-dot-env-0123" } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { product_id: string }).product_id).toBe("from-env");
      expect((await fetch(`${server.url}/dashboard`)).status).toBe(404);
      expect(server.stdout()).toContain("configuration read from .env");
      expect(server.stdout()).not.toContain("admin-token-from-dot-env-0123");
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });

  it("finishes an in-flight request on SIGTERM before exiting", async () => {
    const db = freshDb();
    const server = await spawnServer({ DATABASE_PATH: db, ADMIN_TOKEN: "admin-token-for-shutdown-test" });
    // A request whose body is still arriving when the signal lands: it must still be answered.
    const body = fixtureText("autoplay-actions.json");
    const { signPilotlight } = await import("../../server/ingest/push-signature.js");
    const printedSecret = /PUSH_SECRET\s+(\S+)/.exec(server.stdout())![1]!;
    const http = await import("node:http");
    const url = new URL(`${server.url}/v1/webhooks/actions`);
    const response = new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          "x-pilotlight-signature": signPilotlight(printedSecret, body, Math.floor(Date.now() / 1000)),
        } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, 20));
      setTimeout(() => {
        server.child.kill("SIGTERM");
        setTimeout(() => req.end(body.slice(20)), 300);
      }, 200);
    });
    expect(await response).toBe(202);
    expect(await server.exited).toBe(0);
    // Closed cleanly: the WAL was checkpointed away on close.
    expect(fs.existsSync(`${db}-wal`)).toBe(false);
  });
});

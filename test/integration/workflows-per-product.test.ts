/**
 * Workflows are per product: the demo's golden paths (workflows.example.json) seed only the demo product;
 * another product starts with none — goal inference and struggle help only, never the demo's steps — and
 * gets its own through the admin API (validated with paths and messages, previewed against the last day's
 * sessions, stored in SQLite, kept across restarts, never overwritten by a workflows file).
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowCounts } from "../helpers/db-counts.js";
import { adminHeaders, pilotlightHeaders } from "../helpers/signing.js";
import { BLOG_WORKFLOWS } from "../helpers/workflows.js";
import { waitFor } from "../helpers/wait.js";
import { startTestServer, tempDir, type TestServer } from "../helpers/test-server.js";
import { ask, connectWidget } from "../helpers/widget-client.js";

const ACME = "acme";
const ACME_WORKFLOWS = BLOG_WORKFLOWS;

let dir: string;
let server: TestServer;

beforeAll(async () => {
  dir = tempDir();
  server = await startTestServer({ databasePath: path.join(dir, "p.db"), env: { PRODUCT_ID: ACME, SUGGESTIONS_ENABLED: "false" } });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function push(productId: string, sessionId: string, actions: { type: string; title: string; url: string }[]) {
  const secret = (await server.repos.products.findById(productId))!.pushSecret;
  const t = Date.now() / 1000;
  const body = JSON.stringify({
    type: "actions",
    product_id: productId,
    session_id: sessionId,
    actions: actions.map((a, i) => ({ type: a.type, title: a.title, description: a.title, canonical_url: a.url, timestamp_start: t + i / 100 })),
  });
  const res = await fetch(`${server.url}/v1/webhooks/actions`, { method: "POST", headers: pilotlightHeaders(body, secret), body });
  expect(res.status).toBe(202);
}

async function admin(method: string, pathAndQuery: string, body?: unknown) {
  const res = await fetch(`${server.url}${pathAndQuery}`, {
    method,
    headers: { ...adminHeaders, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const context = async (productId: string, sessionId: string) => (await admin("GET", `/v1/sessions/${sessionId}/context?product_id=${productId}`)).body;

describe("seeding", () => {
  it("gives the demo product the example workflows and another product none", async () => {
    const demo = await admin("GET", "/v1/admin/workflows?product_id=demo");
    expect(demo.body.origin).toBe("file");
    expect(demo.body.workflows.map((w: any) => w.id)).toContain("invite-teammate");
    const acme = await admin("GET", "/v1/admin/workflows");
    expect(acme.body).toMatchObject({ product_id: ACME, origin: null, updated_at: null, workflows: [] });
  });
});

describe("a product without workflows", () => {
  it("gets goal inference from its own actions, never the demo's workflows", async () => {
    await push(ACME, "acme-team", [{ type: "pageview", title: "Page Load: Team settings", url: "https://acme.example/settings/team" }]);
    // Goals are inferred right after the answer, off the request path.
    const ctx = await waitFor(async () => {
      const c = await context(ACME, "acme-team");
      return c.goal_source ? c : undefined;
    }, "acme-team's goal");
    expect(ctx.goal_source).toBe("heuristic");
    expect(ctx.workflow).toBeNull();
    // The same page in the demo product is the first step of "Invite a teammate".
    await push("demo", "demo-team", [{ type: "pageview", title: "Page Load: Team settings", url: "/settings/team" }]);
    expect((await context("demo", "demo-team")).workflow.name).toBe("Invite a teammate");
  });

  it("answers chat without the demo's steps", async () => {
    const socket = await connectWidget(server.url, { sessionId: "acme-team" }, { origin: server.url });
    try {
      const { reply } = await ask(socket, "how do I export a report?");
      expect(reply.text).not.toMatch(/Open Reports|Export CSV|invite/i);
      expect(reply.text).toMatch(/don't know that yet/);
    } finally {
      socket.close();
    }
  });
});

describe("admin API: /v1/admin/workflows", () => {
  it("refuses an invalid upload naming each problem's path, storing nothing", async () => {
    const before = await rowCounts(server.sql);
    const bad = { workflows: [{ id: "x", name: "", steps: [{ id: "s", match: {}, hint: "h" }, { id: "s", match: { url: "/a" }, hint: "h" }] }] };
    for (const call of [admin("PUT", "/v1/admin/workflows", bad), admin("POST", "/v1/admin/workflows/validate", bad)]) {
      const res = await call;
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe("invalid_workflows");
      const paths = res.body.error.issues.map((i: any) => i.path);
      expect(paths).toEqual(expect.arrayContaining(["workflows[0].name", "workflows[0].steps[0].match", "workflows[0].steps[1].id"]));
      for (const issue of res.body.error.issues) expect(issue.message).toEqual(expect.any(String));
    }
    expect((await admin("PUT", "/v1/admin/workflows", "{not json")).status).toBe(400);
    expect((await admin("GET", "/v1/admin/workflows")).body.workflows).toEqual([]);
    expect(await rowCounts(server.sql)).toEqual(before);
  });

  it("validates with a preview of which of the last day's sessions match, without storing", async () => {
    await push(ACME, "acme-writer", [
      { type: "pageview", title: "Page Load: New post", url: "https://acme.example/posts/new" },
      { type: "type", title: "Type in 'Title' field", url: "https://acme.example/posts/new" },
    ]);
    const res = await admin("POST", "/v1/admin/workflows/validate", ACME_WORKFLOWS);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ product_id: ACME, valid: true, workflows: 1 });
    const preview = res.body.preview.workflows[0];
    expect(preview).toMatchObject({ workflow_id: "publish-post", matched: 1, in_progress: 1, completed: 0, example_sessions: ["acme-writer"] });
    expect(preview.steps).toEqual([{ id: "open-editor", done: 1 }, { id: "write-title", done: 1 }, { id: "publish", done: 0 }]);
    expect(res.body.preview.sessions_considered).toBeGreaterThanOrEqual(2);
    expect((await admin("GET", "/v1/admin/workflows")).body.workflows).toEqual([]);
  });

  it("replaces the product's workflows: its sessions use them at once, the demo keeps its own", async () => {
    const res = await admin("PUT", "/v1/admin/workflows", ACME_WORKFLOWS);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ product_id: ACME, origin: "admin", workflows: ACME_WORKFLOWS.workflows });
    expect(res.body.preview.workflows[0].matched).toBe(1);

    expect((await context(ACME, "acme-writer")).workflow).toMatchObject({ id: "publish-post", next_step: { id: "publish" } });
    const socket = await connectWidget(server.url, { sessionId: "acme-writer" }, { origin: server.url });
    try {
      const { reply } = await ask(socket, "how do I publish a post?");
      expect(reply.text).toContain("Click 'Publish'.");
    } finally {
      socket.close();
    }
    expect((await admin("GET", "/v1/admin/workflows?product_id=demo")).body.workflows.length).toBe(4);
  });

  it("needs the admin token and a known product", async () => {
    expect((await fetch(`${server.url}/v1/admin/workflows`, { method: "PUT", body: "{}" })).status).toBe(401);
    expect((await admin("PUT", "/v1/admin/workflows?product_id=nope", ACME_WORKFLOWS)).status).toBe(404);
  });
});

describe("across restarts", () => {
  it("keeps uploaded workflows, and a workflows file never overwrites them", async () => {
    const file = path.join(dir, "acme.json");
    fs.writeFileSync(file, JSON.stringify({ workflows: [{ id: "from-file", name: "From file", steps: [{ id: "s", match: { url: "/f" }, hint: "h" }] }] }));
    await server.close();
    server = await startTestServer({ databasePath: path.join(dir, "p.db"), env: { PRODUCT_ID: ACME, SUGGESTIONS_ENABLED: "false", WORKFLOWS_PATH: file } });
    expect((await admin("GET", "/v1/admin/workflows")).body).toMatchObject({ origin: "admin", workflows: ACME_WORKFLOWS.workflows });
    expect((await admin("GET", "/v1/admin/workflows?product_id=demo")).body.workflows.length).toBe(4);
  });
});

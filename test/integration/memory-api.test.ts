/**
 * User memory through the admin API (issue 14): workflow attempts per session (`GET /v1/admin/sessions/:id/
 * analysis`) and a verified user's knowledge state (`GET /v1/admin/users/:userId/memory`), from actions
 * pushed through the real webhook, sent by capture.js, and a widget verified with its userHash.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminSessionAnalysisResponse, AdminUserMemoryResponse } from "../../server/contracts/admin.js";
import { addProduct, adminGet } from "../helpers/admin.js";
import { ALLOWED_ORIGIN, batch, rawEvent, sendCapture } from "../helpers/capture.js";
import { createManualClock } from "../helpers/clock.js";
import { adminHeaders } from "../helpers/signing.js";
import { pushActions, recordDecisions, type ActionSpec } from "../helpers/suggestions.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";
import { connectWidget, userHash } from "../helpers/widget-client.js";

const clock = createManualClock();
let server: TestServer;
let decisions: ReturnType<typeof recordDecisions>;

beforeAll(async () => {
  server = await startTestServer({ clock, env: { SUGGEST_DEBOUNCE_MS: "10", SUGGEST_MAX_WAIT_MS: "100", ALLOWED_ORIGINS: ALLOWED_ORIGIN } });
  decisions = recordDecisions(server.suggestions);
  await addProduct(server, "other");
});
afterAll(async () => {
  await server.close();
});

const get = <T>(path: string, status = 200) => adminGet<T>(server, path, status);

/** Pushes (as a trusted source naming `userId`) and waits for the evaluation, which syncs the session's memory first. */
async function push(sessionId: string, specs: ActionSpec[], userId?: string) {
  const next = decisions.next({ sessionId });
  await pushActions(server.url, sessionId, specs, clock.now(), userId ? { userId } : {});
  await next;
  clock.advance(3_000);
}

const page = (url: string): ActionSpec => ({ url });
const typeIn = (url: string, label: string): ActionSpec => ({ type: "type", url, title: `Type in '${label}' field` });
const submit = (url: string, label: string): ActionSpec => ({ type: "submit", url, title: `Submit '${label}' form` });
const click = (url: string, label: string): ActionSpec => ({ type: "click", url, title: `Click '${label}' button` });
const actionIds = (sessionId: string) =>
  server.sql.all<{ id: number; title: string }>("SELECT a.id, a.title FROM actions a JOIN sessions s ON s.id = a.session_ref WHERE s.session_key = ? ORDER BY a.id", [sessionId]);

describe("GET /v1/admin/sessions/:id/analysis", () => {
  it("shows each attempt: the action that matched each step, out-of-order steps, failed submits, completion and outcome", async () => {
    await push("ana-1", [page("/invoices"), page("/invoices/new")], "ana");
    await push("ana-1", [submit("/invoices/new", "Save invoice")], "ana");
    await push("ana-1", [submit("/invoices/new", "Save invoice")], "ana");
    await push("ana-1", [typeIn("/invoices/new", "Customer")], "ana");
    await push("ana-1", [click("/invoices/42", "Send invoice")], "ana");

    const body = await get<AdminSessionAnalysisResponse>("/v1/admin/sessions/ana-1/analysis");
    expect(body).toMatchObject({ product_id: "demo", session_id: "ana-1", scope: { kind: "user", id: "ana" }, holdout: false });
    expect(body.untouched).toEqual(["invite-teammate", "export-report", "update-billing"]);
    expect(body.tasks).toHaveLength(1);
    const task = body.tasks[0]!;
    expect(task).toMatchObject({ workflow_id: "create-invoice", expected_steps: ["open-invoices", "start-invoice", "pick-customer", "save-invoice", "send-invoice"] });
    const attempt = task.attempts[0]!;
    expect(attempt).toMatchObject({
      outcome: "completed", completion_pct: 100, missed_steps: [], out_of_order_steps: ["pick-customer"], remaining_steps: [],
      struggle: { failed_submits: 1, rage_clicks: 0, dwells: 0 }, last_issue_code: "failed_submit",
    });
    expect(attempt.last_issue).toBe("'Save invoice' on Invoices › New had to be submitted again");
    // Each step names the action that did it; the save is the second submit (the first one failed).
    const ids = await actionIds("ana-1");
    const [, , firstSave, secondSave, customer, send] = ids;
    expect(attempt.matched_steps.map((s) => [s.step_id, s.action_id])).toEqual([
      ["open-invoices", ids[0]!.id], ["start-invoice", ids[1]!.id], ["pick-customer", customer!.id],
      ["save-invoice", secondSave!.id], ["send-invoice", send!.id],
    ]);
    expect(attempt.matched_steps.map((s) => s.action_id)).not.toContain(firstSave!.id);
  });

  it("counts an attempt nobody touched for MEMORY_ABANDON_AFTER_MS as abandoned, with where it stopped", async () => {
    await push("ana-2", [page("/reports"), click("/reports", "Date range")], "ana");
    const open = await get<AdminSessionAnalysisResponse>("/v1/admin/sessions/ana-2/analysis");
    expect(open.tasks[0]!.attempts[0]).toMatchObject({ outcome: "in_progress", completion_pct: 66.7, remaining_steps: ["export-csv"] });
    clock.advance(server.config.MEMORY_ABANDON_AFTER_MS + 1);
    const quiet = await get<AdminSessionAnalysisResponse>("/v1/admin/sessions/ana-2/analysis");
    expect(quiet.tasks[0]!.attempts[0]).toMatchObject({ outcome: "abandoned" });
    // The sweep stores what readers already see.
    await server.app.services.memory.sweep();
    expect(await server.sql.value("SELECT outcome FROM workflow_attempts WHERE workflow_id = 'export-report' AND scope_id = 'ana'")).toBe("abandoned");
  });
});

describe("GET /v1/admin/users/:userId/memory", () => {
  it("answers Autoplay's knowledge-state shape: mastered, in_progress with attempts, last issue and best completion, untouched", async () => {
    await push("ana-3", [page("/settings/team"), typeIn("/settings/team", "Email"), submit("/settings/team", "Invite")], "ana");
    const body = await get<AdminUserMemoryResponse>("/v1/admin/users/ana/memory");
    expect(body.user_id).toBe("ana");
    expect(body.knowledge_state).toEqual({
      mastered: ["invite-teammate"],
      in_progress: {
        "create-invoice": { attempts: 1, last_issue: "'Save invoice' on Invoices › New had to be submitted again", best_completion_pct: 100 },
        "export-report": { attempts: 1, last_issue: 'stopped before "Click \'Export CSV\' to download the report."', best_completion_pct: 66.7 },
      },
      untouched: ["update-billing"],
    });
    expect(body.overall_completion_pct).toBe(66.7); // (100 + 100 + 66.7 + 0) / 4
    expect(body.mastery_rule).toMatchObject({ completions: 2, clean_completions: 1 });
    expect(body.workflows.find((w) => w.workflow_id === "invite-teammate")).toMatchObject({ status: "mastered", mastered_after_attempts: 1, clean_completions: 1 });
  });

  it("is scoped to the product: the same user id in another product is unknown", async () => {
    const res = await fetch(`${server.url}/v1/admin/users/ana/memory?product_id=other`, { headers: adminHeaders });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unknown_user");
  });

  it("never takes a user id from the public capture endpoint: that session's memory stays its own", async () => {
    const before = await get<AdminUserMemoryResponse>("/v1/admin/users/ana/memory");
    const next = decisions.next({ sessionId: "cap-1" });
    const events = [rawEvent("pageview", "https://shop.example.com/reports"), rawEvent("click", "https://shop.example.com/reports", { tag: "button", text: "Date range" })];
    expect((await sendCapture(server.url, batch("cap-1", events, { user_id: "ana" }))).status).toBe(202);
    await next;
    const analysis = await get<AdminSessionAnalysisResponse>("/v1/admin/sessions/cap-1/analysis");
    expect(analysis.scope).toEqual({ kind: "session", id: "cap-1" });
    expect(analysis.tasks.map((t) => t.workflow_id)).toEqual(["export-report"]);
    expect(await get<AdminUserMemoryResponse>("/v1/admin/users/ana/memory")).toEqual({ ...before, now: expect.any(String) });
    await get("/v1/admin/users/nobody-by-capture/memory", 404);
  });

  it("moves a visitor's attempts to the user who signs in on that session with a verified widget", async () => {
    await push("visit-1", [page("/settings/billing"), click("/settings/billing", "Update payment method")]);
    expect((await get<AdminSessionAnalysisResponse>("/v1/admin/sessions/visit-1/analysis")).scope).toEqual({ kind: "session", id: "visit-1" });
    const socket = await connectWidget(server.url, { sessionId: "visit-1", userId: "vera", userHash: userHash("vera") }, { origin: ALLOWED_ORIGIN });
    await push("visit-1", [click("/settings/billing", "Cancel")]);
    socket.close();
    expect((await get<AdminSessionAnalysisResponse>("/v1/admin/sessions/visit-1/analysis")).scope).toEqual({ kind: "user", id: "vera" });
    const vera = await get<AdminUserMemoryResponse>("/v1/admin/users/vera/memory");
    expect(vera.knowledge_state.in_progress).toEqual({ "update-billing": { attempts: 1, last_issue: null, best_completion_pct: 66.7 } });
  });
});

describe("bad requests", () => {
  it("needs the admin token", async () => {
    for (const path of ["/v1/admin/users/ana/memory", "/v1/admin/sessions/ana-1/analysis", "/v1/admin/stats/lift"]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(401);
    }
  });

  it("refuses a bad query with a 422 naming each problem, and unknown users, sessions and products with a 404", async () => {
    const bad = (await get<{ error: { code: string; message: string } }>("/v1/admin/users/ana/memory?limit=3", 422)).error;
    expect(bad).toMatchObject({ code: "invalid_query" });
    expect(bad.message).toContain("limit");
    expect((await get<{ error: { message: string } }>("/v1/admin/sessions/ana-1/analysis?product_id=no%20spaces", 422)).error.message).toContain("product_id");
    expect((await get<{ error: { message: string } }>(`/v1/admin/users/${"u".repeat(300)}/memory`, 422)).error.message).toContain("userId");
    expect((await get<{ error: { message: string } }>("/v1/admin/stats/lift?days=0", 422)).error.message).toContain("days");
    expect((await get<{ error: { code: string } }>("/v1/admin/users/ana/memory?product_id=nope", 404)).error.code).toBe("unknown_product");
    expect((await get<{ error: { code: string } }>("/v1/admin/users/never-seen/memory", 404)).error.code).toBe("unknown_user");
    expect((await get<{ error: { code: string } }>("/v1/admin/sessions/never-seen/analysis", 404)).error.code).toBe("unknown_session");
  });
});

describe("off the request path", () => {
  it("records attempts with suggestions switched off: the batched job works on its own", async () => {
    const quiet = await startTestServer({ env: { SUGGESTIONS_ENABLED: "false" } });
    try {
      await pushActions(quiet.url, "solo-1", [page("/settings/team"), typeIn("/settings/team", "Email")], Date.now(), { userId: "solo" });
      const body = await waitFor(async () => {
        const res = await fetch(`${quiet.url}/v1/admin/users/solo/memory`, { headers: adminHeaders });
        const memory = res.status === 200 && ((await res.json()) as AdminUserMemoryResponse);
        return memory && Object.keys(memory.knowledge_state.in_progress).length > 0 && memory;
      }, "the user's attempt in their memory");
      expect(body.knowledge_state.in_progress).toEqual({ "invite-teammate": { attempts: 1, last_issue: null, best_completion_pct: 66.7 } });
    } finally {
      await quiet.close();
    }
  });
});

/**
 * Truthful progress: capture's `invalid` events (a field the form's validation rejected: its label and the
 * message, never the value) become actions; a submit the validation rejected completes no workflow step;
 * and a fresh struggle signal replaces a stale shown suggestion instead of waiting behind it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batch, rawEvent, sendCapture } from "../helpers/capture.js";
import { adminHeaders } from "../helpers/signing.js";
import { connectAndSuggest, pushActions, TEAM_PAGE } from "../helpers/suggestions.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";
import { waitFor } from "../helpers/wait.js";
import { command, expectOk, nextEvent, record, widgetClient } from "../helpers/widget-client.js";

let server: TestServer;
beforeAll(async () => {
  // Default gates (a 20 s interaction wait, a 60 s cooldown), quick debounce.
  server = await startTestServer({ env: { ALLOWED_ORIGINS: "https://shop.example.com", SUGGEST_DEBOUNCE_MS: "50", SUGGEST_MAX_WAIT_MS: "200" } });
});
afterAll(() => server?.close());

async function context(sessionId: string) {
  const res = await fetch(`${server.url}/v1/sessions/${sessionId}/context`, { headers: adminHeaders });
  return (await res.json()) as Record<string, any>;
}

const page = "https://shop.example.com/invoices/new";
const field = (label: string) => ({ tag: "input", input_type: "text", label, form: "New invoice" });

describe("validation failures", () => {
  it("become actions naming the field and the message, and a rejected submit completes no step", async () => {
    const events = [
      rawEvent("pageview", "https://shop.example.com/invoices"),
      rawEvent("pageview", page),
      rawEvent("change", page, { tag: "select", label: "Customer", form: "New invoice" }),
      rawEvent("submit", page, { tag: "form", aria_label: "New invoice", submitter: "Save invoice" }),
      rawEvent("invalid", page, field("Amount"), { message: "Enter an amount greater than zero.", validity: "custom" }),
      rawEvent("invalid", page, field("Due date"), { message: "Pick a due date.", validity: "custom" }),
    ];
    const res = await sendCapture(server.url, batch("val-1", events));
    expect(res.status).toBe(202);
    const ctx = await context("val-1");
    const titles = ctx.recent_actions.map((a: any) => a.title);
    expect(titles).toContain("Invalid 'Amount' field: Enter an amount greater than zero.");
    expect(ctx.recent_actions.find((a: any) => a.type === "invalid").description).toMatch(/Amount field in the New invoice form was rejected by the form's validation on the New invoice page/);
    // The submit was rejected: saving is still the next step, not sending.
    expect(ctx.workflow).toMatchObject({ id: "create-invoice", next_step: { id: "save-invoice" } });

    // The same form, now valid: the submit counts.
    await sendCapture(server.url, batch("val-1", [rawEvent("submit", page, { tag: "form", aria_label: "New invoice", submitter: "Save invoice" }), rawEvent("pageview", "https://shop.example.com/invoices/42")]));
    expect((await context("val-1")).workflow).toMatchObject({ next_step: { id: "send-invoice" } });
  });

  it("drops an unknown validity kind rather than refusing the batch", async () => {
    const res = await sendCapture(server.url, batch("val-2", [rawEvent("invalid", page, field("Amount"), { validity: "made_up" as never })]));
    expect(res.status).toBe(202);
  });
});

describe("a struggle signal and a stale suggestion", () => {
  it("rage clicks replace a shown workflow-step suggestion at once: the old one is retracted as replaced", async () => {
    const { socket, suggestion } = await connectAndSuggest(server, "rage-1");
    expect(suggestion.text).toContain("email address");
    const retracted = nextEvent(socket, "suggestion:retracted");
    const created = nextEvent(socket, "suggestion:created");
    const t = Date.now();
    const click = { type: "click", url: "https://acme.test/settings/team", title: "Click 'Send invite' button", description: "User clicked the Send invite button" };
    await pushActions(server.url, "rage-1", [click, click, click], t);
    const next = await created;
    expect(next.text).toMatch(/doesn't seem to respond/);
    expect(await retracted).toEqual({ id: suggestion.id, reason: "replaced" });
    expect((await server.repos.suggestions.findById(suggestion.id))?.status).toBe("retracted");
    socket.close();
  });

  it("rage clicks also replace a suggestion still waiting for a widget: the widget that connects later sees only the new one", async () => {
    const t = Date.now();
    await pushActions(server.url, "rage-pending", TEAM_PAGE, t);
    const ref = async () => (await server.repos.sessions.idByKey("demo", "rage-pending"))!;
    await waitFor(async () => (await server.repos.suggestions.recent(await ref(), 1))[0]?.status === "pending", "the step suggestion to wait for a widget");
    const stale = (await server.repos.suggestions.recent(await ref(), 1))[0]!;
    expect(stale.text).toContain("email address");

    const click = { type: "click", url: "https://acme.test/settings/team", title: "Click 'Send invite' button", description: "User clicked the Send invite button" };
    await pushActions(server.url, "rage-pending", [click, click, click], t + 1000);
    await waitFor(async () => (await server.repos.suggestions.findById(stale.id))?.status === "retracted", "the stale suggestion to be replaced");

    const socket = widgetClient(server.url, { sessionId: "rage-pending" });
    const shown = record(socket, "suggestion:created");
    socket.connect();
    await nextEvent(socket, "suggestion:created", (s) => /doesn't seem to respond/.test(s.text));
    // Everything offered on connect has arrived once a later command is answered.
    expectOk(await command(socket, "conversation:sync", { afterSeq: 0 }));
    expect(shown.map((s) => s.id)).not.toContain(stale.id);
    expect(shown).toHaveLength(1);
    socket.close();
  });
});

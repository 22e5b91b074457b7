/**
 * The offline chat reply ranks the question against the product's workflows and pages (BM25 with
 * stemming and a coverage threshold): how-to questions get the matching workflow's steps, one per line;
 * problem reports and unknown topics get "I don't know that yet" with the closest workflows — never
 * unrelated steps.
 */
import { describe, expect, it } from "vitest";
import type { ChatContext } from "../../server/chat/chat-context.js";
import { composeRulesReply } from "../../server/chat/rules-reply.js";
import { rank, stem, terms } from "../../server/chat/text-rank.js";
import { resolvePaths } from "../../server/paths.js";
import { loadWorkflows } from "../../server/workflows/load-workflows.js";

const workflows = loadWorkflows(resolvePaths().defaultWorkflows);

function ctx(question: string, over: Partial<ChatContext> = {}): ChatContext {
  return { question, session: undefined, sinceLastMessage: [], workflow: undefined, workflows, history: [], otherSessions: [], memory: [], ...over };
}

describe("stemming and terms", () => {
  it("meets inflections and derivations at one stem, and drops stopwords", () => {
    expect(new Set(["invite", "invites", "inviting", "invited", "invitation"].map(stem)).size).toBe(1);
    expect(new Set(["export", "exports", "exporting", "exported"].map(stem)).size).toBe(1);
    expect(new Set(["report", "reports", "reporting"].map(stem)).size).toBe(1);
    expect(terms("How do I export a report?")).toEqual([stem("export"), stem("report")]);
  });

  it("ranks the workflow whose words the question uses first", () => {
    const docs = workflows.map((w) => ({ item: w.id, fields: [{ text: w.name, weight: 3 }, { text: w.steps.map((s) => s.hint).join(" "), weight: 1 }] }));
    expect(rank("exporting reports", docs)[0]).toMatchObject({ item: "export-report", coverage: 1 });
    expect(rank("change my card", docs)[0]?.item).toBe("update-billing");
    expect(rank("weather tomorrow", docs)).toEqual([]);
  });
});

describe("composeRulesReply", () => {
  it("answers a how-to question with the workflow's steps as a numbered list", () => {
    const reply = composeRulesReply(ctx("how do I export a report?"));
    expect(reply).toContain("To export a report:\n1. Open Reports from the sidebar.\n2. Pick the date range the report should cover.\n3. Click 'Export CSV' to download the report.");
    expect(composeRulesReply(ctx("Inviting a colleague — how?"))).toContain("To invite a teammate:");
    expect(composeRulesReply(ctx("how can I create an invoice"))).toContain("To create and send an invoice:");
  });

  it("does not answer a problem report with how-to steps that merely share a word", () => {
    const reply = composeRulesReply(ctx("Why is my invoice total wrong?"));
    expect(reply).toMatch(/^I don't know that yet\./);
    expect(reply).not.toContain("Choose the customer");
    expect(reply).not.toMatch(/\n1\. /);
    expect(reply).toContain("The closest things I can help with: create and send an invoice");
  });

  it("says it does not know yet for an unknown topic, naming the workflows it can help with", () => {
    const reply = composeRulesReply(ctx("Can I integrate with Salesforce?"));
    expect(reply).toMatch(/^I don't know that yet\./);
    expect(reply).not.toMatch(/\n1\. /);
    expect(reply).toMatch(/The closest things I can help with: .+\./);
  });

  it("with no workflows at all, never gives steps", () => {
    const reply = composeRulesReply(ctx("how do I export a report?", { workflows: [] }));
    expect(reply).toBe("I don't know that yet. I don't see any activity from you yet in this session.");
  });

  it("points to a page the product has when the question names it", () => {
    // A page this session visited, which no workflow covers.
    const visited = { window: [{ index: 0, type: "pageview", title: "Page Load: Billing", description: "User landed", canonical_url: "/settings/billing" }] };
    const reply = composeRulesReply(ctx("where are the billing settings?", { workflows: workflows.filter((w) => w.id !== "update-billing"), session: visited as never }));
    expect(reply).toBe("You're on the Billing settings page right now (/settings/billing).");
  });
});

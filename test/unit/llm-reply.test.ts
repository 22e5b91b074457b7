import { describe, expect, it } from "vitest";
import { parseSuggestionReply, parseSummaryReply, toPlainText } from "../../server/suggest/llm-reply.js";

describe("parseSuggestionReply", () => {
  it("accepts plain text", () => {
    expect(parseSuggestionReply("  Open Settings → Team to invite a teammate.  ")).toEqual({ kind: "suggestion", text: "Open Settings → Team to invite a teammate." });
  });

  it("recognises 'no helpful step' in its usual disguises", () => {
    for (const reply of ["NO_SUGGESTION", "NO_SUGGESTION.", '"NO_SUGGESTION"', "`NO_SUGGESTION`", '{"suggestion": null}', "null", "No helpful step.", "**NO_SUGGESTION**", '"none"']) {
      expect(parseSuggestionReply(reply), reply).toEqual({ kind: "decline" });
    }
  });

  it("unwraps JSON and quotes", () => {
    expect(parseSuggestionReply('{"suggestion": "Click Export CSV."}')).toEqual({ kind: "suggestion", text: "Click Export CSV." });
    expect(parseSuggestionReply('{"text": "Pick a date range."}')).toEqual({ kind: "suggestion", text: "Pick a date range." });
    expect(parseSuggestionReply('"Pick a date range."')).toEqual({ kind: "suggestion", text: "Pick a date range." });
  });

  it("strips markdown and HTML and collapses whitespace", () => {
    expect(parseSuggestionReply("**Tip:** click\n\n*Save card* in [Billing](https://x.test/billing).")).toEqual({
      kind: "suggestion",
      text: "Tip: click Save card in Billing.",
    });
    expect(parseSuggestionReply("<p>Press <b>Send invite</b>.</p><script>alert(1)</script>")).toEqual({ kind: "suggestion", text: "Press Send invite . alert(1)" });
    expect(toPlainText("# Heading\n- item one\n- item two")).toBe("Heading item one item two");
  });

  it("keeps whole sentences of a slightly long reply and rejects one that cannot fit", () => {
    const sentence = "Open Settings and then Team, where the invite form lives.";
    const r = parseSuggestionReply(`${sentence} ${sentence} ${sentence} ${sentence} ${sentence}`);
    expect(r.kind).toBe("suggestion");
    expect(r.kind === "suggestion" && r.text.length).toBeLessThanOrEqual(240);
    expect(r.kind === "suggestion" && r.text.endsWith(".")).toBe(true);
    expect(parseSuggestionReply("x".repeat(300))).toEqual({ kind: "invalid", problem: "the reply is longer than 240 characters" });
  });

  it("rejects an empty reply", () => {
    expect(parseSuggestionReply("   ")).toEqual({ kind: "invalid", problem: "the reply is empty" });
    expect(parseSuggestionReply("<br>")).toEqual({ kind: "invalid", problem: "the reply is empty" });
  });
});

describe("parseSummaryReply", () => {
  it("keeps lines, strips markdown, and refuses an empty summary", () => {
    expect(parseSummaryReply("## Summary\n- Visited **Invoices**\n- Saved an invoice")).toBe("Summary\nVisited Invoices\nSaved an invoice");
    expect(parseSummaryReply("  \n ")).toBeUndefined();
  });
});

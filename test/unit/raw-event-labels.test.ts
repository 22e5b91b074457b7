import { describe, expect, it } from "vitest";
import { MAX_DESCRIPTION, MAX_TITLE } from "../../server/ingest/autoplay.schema.js";
import { labelRawEvent } from "../../server/ingest/raw-events/build-payload.js";
import { cleanText, humanise, looksGenerated, truncate } from "../../server/ingest/raw-events/clean-text.js";
import type { RawEvent, RawTarget } from "../../server/ingest/raw-events/raw-event.schema.js";

const batch = { sessionId: "s1", userId: null, email: null };
const TS = 1_764_000_000_123;

function label(type: RawEvent["type"], url: string, target?: RawTarget, extra: Partial<RawEvent> = {}) {
  return labelRawEvent({ type, ts: TS, url, ...(target ? { target } : {}), ...extra }, 0, batch);
}

describe("labelling element shapes", () => {
  it("a button by its text", () => {
    const a = label("click", "https://app.example.com/reports", { tag: "button", text: "Export CSV" });
    expect(a).toMatchObject({
      type: "click",
      title: "Click 'Export CSV' button",
      description: "User clicked the Export CSV button on the Reports page",
      intent: "export",
      canonical_url: "https://app.example.com/reports",
    });
  });

  it("a link, saying where it leads (path on this site, host elsewhere)", () => {
    const inside = label("click", "https://app.example.com/dashboard", { tag: "a", text: "Open invoice", href: "/invoices/42?x=1" });
    expect(inside.title).toBe("Click 'Open invoice' link");
    expect(inside.description).toBe("User clicked the Open invoice link on the Dashboard page (to /invoices/:id)");
    const outside = label("click", "https://app.example.com/dashboard", { tag: "a", text: "Docs", href: "https://docs.example.org/start" });
    expect(outside.description).toContain("(to docs.example.org)");
    expect(outside.intent).toBe("get-help");
  });

  it("an icon button with only an aria-label", () => {
    const a = label("click", "/invoices/7", { tag: "button", text: "×", aria_label: "Close dialog" });
    expect(a.title).toBe("Click 'Close dialog' button");
    expect(a.intent).toBe("cancel");
  });

  it("an element with role=button named by its humanised id", () => {
    const a = label("click", "/reports", { tag: "div", role: "button", id: "download-report-btn" });
    expect(a.title).toBe("Click 'Download report' button");
  });

  it("falls back through aria-label, label, name, title, id and href when there is no text", () => {
    expect(label("click", "/", { tag: "button", name: "archive_all" }).title).toBe("Click 'Archive all' button");
    expect(label("click", "/", { tag: "button", title: "Refresh list" }).title).toBe("Click 'Refresh list' button");
    expect(label("click", "/", { tag: "a", href: "/settings/billing" }).title).toBe("Click 'Billing settings' link");
    expect(label("click", "/", { tag: "a", href: "https://example.org/" }).title).toBe("Click 'Home' link");
    expect(label("click", "/", { tag: "button", id: ":r1f:" }).title).toBe("Click unnamed button");
    expect(label("click", "/", { tag: "button", id: "ember1234" }).title).toBe("Click unnamed button");
  });

  it("a text input named by its <label>, saying what kind of value was typed but never the value", () => {
    const a = label("change", "/invoices/new", { tag: "input", input_type: "text", label: "Customer", name: "customer_id", form: "invoice-form" });
    expect(a).toMatchObject({
      type: "type",
      title: "Type in 'Customer' field",
      description: "User typed in the Customer field in the Invoice form on the New invoice page",
      intent: "fill-form",
    });
    const email = label("change", "/settings/team", { tag: "input", input_type: "email", label: "Teammate" });
    expect(email.description).toBe("User entered an email address in the Teammate field on the Team settings page");
  });

  it("a field without a label, by placeholder (unless it is an example), name or id", () => {
    expect(label("change", "/", { tag: "input", placeholder: "Search invoices" }).title).toBe("Type in 'Search invoices' field");
    expect(label("change", "/", { tag: "input", placeholder: "you@example.com", name: "work_email" }).title).toBe("Type in 'Work email' field");
    expect(label("change", "/", { tag: "input", id: "billingAddress" }).title).toBe("Type in 'Billing address' field");
    expect(label("change", "/", { tag: "input" }).title).toBe("Type in unnamed field");
  });

  it("a password field by its identity only", () => {
    const a = label("change", "/login", { tag: "input", input_type: "password", name: "password" });
    expect(a.title).toBe("Type in 'Password' field");
    expect(a.description).toBe("User entered a password in the Password field on the Login page");
  });

  it("a select", () => {
    const a = label("change", "/reports", { tag: "select", label: "Date range" });
    expect(a).toMatchObject({
      type: "type",
      title: "Choose from 'Date range' dropdown",
      description: "User chose an option from the Date range dropdown on the Reports page",
      intent: "filter",
    });
  });

  it("a checkbox, a switch and a radio button — toggled, never 'checked'", () => {
    const box = label("change", "/login", { tag: "input", input_type: "checkbox", label: "Remember me" });
    expect(box.title).toBe("Toggle 'Remember me' checkbox");
    expect(box.description).toBe("User toggled the Remember me checkbox on the Login page");
    expect(label("change", "/settings", { tag: "button", role: "switch", aria_label: "Dark mode" }).title).toBe("Toggle 'Dark mode' switch");
    expect(label("change", "/settings/billing", { tag: "input", input_type: "radio", label: "Yearly" }).title).toBe("Select 'Yearly' radio button");
    expect(label("click", "/login", { tag: "input", input_type: "checkbox", label: "Remember me" }).title).toBe("Click 'Remember me' checkbox");
  });

  it("a textarea, a file input and a slider", () => {
    expect(label("change", "/invoices/new", { tag: "textarea", label: "Notes" }).title).toBe("Type in 'Notes' text area");
    expect(label("change", "/invoices/new", { tag: "input", input_type: "file", label: "Receipt" }).title).toBe("Choose a file in 'Receipt' file field");
    expect(label("change", "/", { tag: "input", input_type: "range", aria_label: "Volume" }).title).toBe("Adjust 'Volume' slider");
  });

  it("a form submit named by the form, mentioning the button that sent it", () => {
    const a = label("submit", "/settings/team", { tag: "form", id: "invite-form", submitter: "Send invite" });
    expect(a).toMatchObject({
      type: "submit",
      title: "Submit 'Invite' form",
      description: "User submitted the Invite form with the Send invite button on the Team settings page",
      intent: "invite",
    });
    expect(label("submit", "/invoices/new", { tag: "form", aria_label: "New invoice" }).title).toBe("Submit 'New invoice' form");
    expect(label("submit", "/invoices/new", { tag: "form", name: "invoiceForm" }).title).toBe("Submit 'Invoice' form");
  });

  it("a form without a name, by its submit button, or as an unnamed form", () => {
    expect(label("submit", "/invoices/new", { tag: "form", submitter: "Save invoice" }).title).toBe("Submit 'Save invoice' form");
    expect(label("submit", "/invoices/new", { tag: "form" }).description).toBe("User submitted an unnamed form on the New invoice page");
    // A source that reports the submit on the button still names the form.
    expect(label("submit", "/x/list", { tag: "button", text: "Apply filters", form: "filters" }).title).toBe("Submit 'Filters' form");
  });

  it("nested spans: the interactive ancestor's whole text", () => {
    expect(label("click", "/", { tag: "button", text: "  Export\n   CSV  " }).title).toBe("Click 'Export CSV' button");
  });

  it("tabs, menu items, summaries and labels", () => {
    expect(label("click", "/", { tag: "div", role: "tab", text: "Overdue" }).title).toBe("Click 'Overdue' tab");
    expect(label("click", "/", { tag: "li", role: "menuitem", text: "Duplicate" }).title).toBe("Click 'Duplicate' menu item");
    expect(label("click", "/", { tag: "summary", text: "Advanced options" }).title).toBe("Click 'Advanced options' toggle");
    expect(label("click", "/", { tag: "label", text: "Remember me" }).title).toBe("Click 'Remember me' label");
  });

  it("cuts very long text at a word boundary and stays within the Autoplay limits", () => {
    const long = label("click", `/${"p".repeat(5000)}`, { tag: "button", text: "Please read the following terms and conditions carefully ".repeat(40) });
    expect(long.title).toMatch(/^Click 'Please read the following terms and conditions carefully Please read the…' button$/);
    expect(long.title.length).toBeLessThanOrEqual(MAX_TITLE);
    expect(long.description.length).toBeLessThanOrEqual(MAX_DESCRIPTION);
    expect(long.canonical_url.length).toBeLessThanOrEqual(4096);
  });

  it("strips newlines, control and bidi characters from untrusted text", () => {
    const a = label("click", "/", { tag: "button", text: "Pay\u202enow\n\u0007<script>" });
    expect(a.title).toBe("Click 'Pay now <script>' button");
  });

  it("events without a target still read as sentences", () => {
    expect(label("pageview", "https://app.example.com/invoices?page=2", undefined, { title: "Invoices · Acme" })).toMatchObject({
      title: "Page Load: Invoices",
      description: "User landed on the Invoices page",
      canonical_url: "https://app.example.com/invoices",
      raw_url: "https://app.example.com/invoices",
      intent: "navigate",
    });
    expect(label("click", "/reports").title).toBe("Click on the Reports page");
    expect(label("submit", "/reports").title).toBe("Submit form");
  });

  it("a rage click says so", () => {
    const a = label("click", "/invoices/7", { tag: "button", text: "Send invoice" }, { rage: true });
    expect(a.title).toBe("Rage click on 'Send invoice' button");
    expect(a.description).toContain("(rage click)");
    expect(a.intent).toBe("struggle");
  });

  it("focus and blur", () => {
    expect(label("focus", "/", { tag: "input", label: "Amount" }).title).toBe("Focus 'Amount' field");
    expect(label("blur", "/", { tag: "input", label: "Amount" }).description).toBe("User left the Amount field on the Home page");
  });

  it("uses the event's millisecond timestamp as float seconds", () => {
    const a = label("click", "/", { tag: "button", text: "Go" });
    expect(a.timestamp_start).toBe(1_764_000_000.123);
    expect(a.timestamp_end).toBe(a.timestamp_start);
  });
});

describe("text helpers", () => {
  it("cleanText collapses whitespace and returns undefined for nothing", () => {
    expect(cleanText("  a \n\t b ")).toBe("a b");
    expect(cleanText(" \n ")).toBeUndefined();
    expect(cleanText(undefined)).toBeUndefined();
  });

  it("truncate prefers a word boundary, unless that would throw away over a third", () => {
    expect(truncate("hello wonderful world", 18)).toBe("hello wonderful…");
    expect(truncate("hello wonderful world", 12)).toBe("hello wonde…");
    expect(truncate("abcdefghijklmnop", 8)).toBe("abcdefg…");
    expect(truncate("short", 8)).toBe("short");
  });

  it("humanise turns ids into words and refuses generated ones", () => {
    expect(humanise("export-csv-btn")).toBe("Export csv");
    expect(humanise("firstName")).toBe("First name");
    expect(humanise("user[email]")).toBe("User email");
    expect(humanise("field_23")).toBeUndefined();
    for (const id of [":r3:", "ember412", "mui-4f3a2b91", "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f6a7b8", "x1"]) expect(looksGenerated(id)).toBe(true);
  });
});

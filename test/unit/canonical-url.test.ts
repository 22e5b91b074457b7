import { describe, expect, it } from "vitest";
import { canonicalUrl, isIdSegment, rawUrl } from "../../server/ingest/raw-events/canonical-url.js";
import { pageName, pathPageName, singular, titlePageName } from "../../server/ingest/raw-events/page-name.js";

describe("canonicalUrl", () => {
  const cases: [string, string][] = [
    ["https://app.example.com/invoices/42", "https://app.example.com/invoices/:id"],
    ["https://app.example.com/invoices/42?tab=items#lines", "https://app.example.com/invoices/:id"],
    ["https://App.Example.COM:443/reports/", "https://app.example.com/reports"],
    ["http://localhost:3000/settings/team", "http://localhost:3000/settings/team"],
    ["https://app.example.com", "https://app.example.com/"],
    ["https://app.example.com/?utm_source=x", "https://app.example.com/"],
    ["/invoices/new", "/invoices/new"],
    ["/invoices/new/", "/invoices/new"],
    ["invoices/17/edit", "/invoices/:id/edit"],
    ["/u/3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f6a7b8/settings", "/u/:id/settings"],
    ["/u/3F2A9C1E8B7D4E6FA1B2C3D4E5F6A7B8", "/u/:id"],
    ["/commits/9fceb02d0ae598e95dc970b74767f19372d61af8", "/commits/:id"],
    ["/objects/507f1f77bcf86cd799439011", "/objects/:id"],
    ["/customers/cus_NffrFeUfNV2Hib", "/customers/:id"],
    ["/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV", "/orders/:id"],
    ["/a/1/b/2/c/3", "/a/:id/b/:id/c/:id"],
    ["/files/abc123XYZ789def456GHI0", "/files/:id"],
    ["/p/deadbeefcafe", "/p/deadbeefcafe"],
    ["/v2/reports/q3-2024", "/v2/reports/q3-2024"],
    ["/settings/2fa", "/settings/2fa"],
    ["", "/"],
    ["?x=1", "/"],
    ["#/dashboard", "/"],
    ["/search?q=alice%40example.com", "/search"],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected}`, () => {
      expect(canonicalUrl(input)).toBe(expected);
    });
  }

  it("is idempotent", () => {
    for (const [input] of cases) expect(canonicalUrl(canonicalUrl(input))).toBe(canonicalUrl(input));
  });

  it("caps very long URLs at the protocol's 4,096 characters", () => {
    expect(canonicalUrl(`/${"a".repeat(10_000)}`).length).toBe(4096);
  });

  it("keeps ids but drops the query and hash in the raw URL", () => {
    expect(rawUrl("https://app.example.com/invoices/42?token=secret#x")).toBe("https://app.example.com/invoices/42");
    expect(rawUrl("/reset-password/abc?token=s3cr3t")).toBe("/reset-password/abc");
  });

  it("tells ids from words", () => {
    for (const id of ["42", "0", "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f6a7b8", "507f1f77bcf86cd799439011", "inv_8f3k2j9x"]) expect(isIdSegment(id)).toBe(true);
    for (const word of ["invoices", "new", "q3-2024", "v2", "settings", "deadbeef", "2fa", ""]) expect(isIdSegment(word)).toBe(false);
  });
});

describe("page names", () => {
  it("derives a readable name from the path", () => {
    expect(pathPageName("/reports")).toBe("Reports");
    expect(pathPageName("https://app.example.com/dashboard")).toBe("Dashboard");
    expect(pathPageName("/invoices/new")).toBe("New invoice");
    expect(pathPageName("/invoices/42")).toBe("Invoice details");
    expect(pathPageName("/invoices/:id")).toBe("Invoice details");
    expect(pathPageName("/invoices/42/edit")).toBe("Edit invoice");
    expect(pathPageName("/settings/team")).toBe("Team settings");
    expect(pathPageName("/settings/billing")).toBe("Billing settings");
    expect(pathPageName("/company-policies/index.html")).toBe("Company policies");
    expect(pathPageName("/userProfile")).toBe("User profile");
    expect(pathPageName("/categories/7")).toBe("Category details");
    expect(pathPageName("/")).toBeUndefined();
  });

  it("takes the specific part of a title with a site name, and the path over a bare title", () => {
    expect(titlePageName("Reports · Acme Invoices")).toBe("Reports");
    expect(titlePageName("Team settings | Acme")).toBe("Team settings");
    expect(titlePageName("Acme Invoices")).toBeUndefined();
    expect(pageName("/settings/team", "Acme Invoices")).toBe("Team settings");
    expect(pageName("/", "Acme Invoices")).toBe("Acme Invoices");
    expect(pageName("/")).toBe("Home");
    expect(pageName("/reports", "Quarterly reports — Acme")).toBe("Quarterly reports");
  });

  it("does not say 'page page' and keeps hostile titles to one clean line", () => {
    expect(pageName("/welcome", "Landing page · Acme")).toBe("Landing");
    expect(pageName("/", "Evil\u202e\ntitle\u0000 · Acme")).toBe("Evil title");
    expect(pageName("/", `${"Long ".repeat(50)}· Acme`).length).toBeLessThanOrEqual(60);
  });

  it("singularises simple plurals only", () => {
    expect(singular("invoices")).toBe("invoice");
    expect(singular("categories")).toBe("category");
    expect(singular("addresses")).toBe("address");
    expect(singular("status")).toBe("status");
  });
});

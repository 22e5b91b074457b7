import { describe, expect, it } from "vitest";
import { memoByUrl } from "../../server/workflows/memo-by-url.js";
import { placeOf } from "../../server/sessions/place.js";
import { pageLabel } from "../../server/sessions/action-labels.js";
import { pathPageName } from "../../server/ingest/raw-events/page-name.js";

describe("memoByUrl", () => {
  it("derives a URL once while it is remembered, undefined answers included", () => {
    const calls: string[] = [];
    const derive = memoByUrl((url) => {
      calls.push(url);
      return url === "/" ? undefined : url.toUpperCase();
    });
    expect([derive("/a"), derive("/a"), derive("/"), derive("/"), derive("/b")]).toEqual(["/A", "/A", undefined, undefined, "/B"]);
    expect(calls).toEqual(["/a", "/", "/b"]);
  });

  it("keeps no long URL and starts over when full, so made-up URLs cannot grow it", () => {
    const calls: string[] = [];
    const derive = memoByUrl((url) => {
      calls.push(url);
      return url.length;
    });
    const long = `/${"x".repeat(300)}`;
    derive(long);
    derive(long);
    expect(calls.filter((u) => u === long)).toHaveLength(2);

    derive("/first");
    for (let i = 0; i < 5000; i++) derive(`/made-up/${i}`);
    derive("/first");
    expect(calls.filter((u) => u === "/first")).toHaveLength(2);
  });

  it("answers exactly as the derivations did for repeated and new URLs", () => {
    for (let round = 0; round < 2; round++) {
      expect(placeOf("https://x.test/Contacts/42/edit?tab=1")).toBe("/contacts/:id/edit");
      expect(pageLabel("/contacts/42")).toBe("a record in Contacts");
      expect(pathPageName("https://app.example.com/invoices/:id")).toBe("Invoice details");
      expect(pathPageName("https://app.example.com/")).toBeUndefined();
    }
  });
});

import { describe, expect, it } from "vitest";
import { ActionsPayloadSchema, type ActionsPayload } from "../../server/ingest/autoplay.schema.js";
import { merge, toText } from "../../server/sessions/actions-text.js";
import { fixtureJson, fixtureText } from "../helpers/fixtures.js";

const parse = (v: unknown): ActionsPayload => ActionsPayloadSchema.parse(v);

describe("toText()", () => {
  it("renders the Autoplay fixture byte for byte", () => {
    const payload = parse(fixtureJson("autoplay-actions.json"));
    expect(toText(payload)).toBe(fixtureText("autoplay-actions.txt"));
  });

  it("uses an em dash with single spaces and always says 'actions'", () => {
    const text = toText({
      session_id: "s1",
      actions: [{ index: 0, type: "click", description: "User clicked Go", canonical_url: "/go" }],
    });
    expect(text).toBe("Session s1 \u2014 1 actions\n[0] click: User clicked Go \u2014 /go");
  });

  it("names an unknown session and renders an empty batch as the header alone", () => {
    expect(toText({ session_id: null, actions: [] })).toBe("Session unknown \u2014 0 actions");
  });
});

describe("merge()", () => {
  const base = {
    type: "actions",
    product_id: "demo",
    forwarded_at: 10,
    actions: [
      { index: 0, type: "pageview", title: "A", description: "a", canonical_url: "/a" },
      { index: 1, type: "click", title: "B", description: "b", canonical_url: "/b" },
    ],
  };

  it("concatenates in order, re-indexes from 0, keeps first non-null ids and the latest forwarded_at", () => {
    const first = parse({ ...base, session_id: "s1", user_id: null, email: "" });
    const second = parse({
      ...base,
      session_id: "s1",
      user_id: "u1",
      email: "e@example.com",
      forwarded_at: 42.5,
      actions: [{ index: 7, type: "submit", title: "C", description: "c", canonical_url: "/c" }],
    });
    const merged = merge([first, second]);
    expect(merged.actions.map((a) => [a.index, a.title])).toEqual([
      [0, "A"],
      [1, "B"],
      [2, "C"],
    ]);
    expect(merged.count).toBe(3);
    expect(merged.user_id).toBe("u1");
    expect(merged.email).toBe("e@example.com");
    expect(merged.forwarded_at).toBe(42.5);
    expect(toText(merged).split("\n")[0]).toBe("Session s1 \u2014 3 actions");
  });

  it("refuses an empty list", () => {
    expect(() => merge([])).toThrow(/at least one/);
  });

  it("refuses payloads of different sessions", () => {
    expect(() => merge([parse({ ...base, session_id: "s1" }), parse({ ...base, session_id: "s2" })])).toThrow(/one session/);
  });
});

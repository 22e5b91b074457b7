import { describe, expect, it } from "vitest";
import { DEFAULT_ACTION_TYPE, MAX_TITLE } from "../../server/ingest/autoplay.schema.js";
import { parseAutoplayEvent } from "../../server/ingest/parse-event.js";
import { fixtureJson } from "../helpers/fixtures.js";

function ok(value: unknown) {
  const r = parseAutoplayEvent(value);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

function problems(value: unknown) {
  const r = parseAutoplayEvent(value);
  if (r.ok) throw new Error("expected the payload to be rejected");
  return r.issues;
}

describe("Autoplay payload parsing", () => {
  it("accepts the minimal action form and fills defaults", () => {
    const event = ok(fixtureJson("autoplay-minimal.json"));
    expect(event.type).toBe("actions");
    if (event.type !== "actions") return;
    expect(event.session_id).toBe("ps_min01");
    expect(event.actions[0]).toMatchObject({
      index: 0,
      type: DEFAULT_ACTION_TYPE,
      title: "Clicked 'Buy Now'",
      canonical_url: "/products/:id",
      raw_url: null,
      timestamp_start: 0,
      timestamp_end: 0,
      user_id: null,
    });
    expect(event.user_id).toBeNull();
    expect(event.forwarded_at).toBe(0);
  });

  it("keeps unknown action types as given and ignores unknown fields", () => {
    const event = ok({
      type: "actions",
      session_id: "s",
      extra: { nested: true },
      actions: [{ type: "hover", title: "t", description: "d", canonical_url: "/x", surprise: 1 }],
    });
    if (event.type !== "actions") throw new Error();
    expect(event.actions[0]!.type).toBe("hover");
    expect(event.actions[0]).not.toHaveProperty("surprise");
    expect(event).not.toHaveProperty("extra");
  });

  it("turns empty-string ids into null and numeric ids into strings", () => {
    const event = ok({ type: "actions", session_id: "s", user_id: "", email: "  ", conversation_id: 17, actions: [] });
    if (event.type !== "actions") throw new Error();
    expect(event.user_id).toBeNull();
    expect(event.email).toBeNull();
    expect(event.conversation_id).toBe("17");
  });

  it("corrects a count that disagrees with the actions, remembering the claim", () => {
    const event = ok({ type: "actions", session_id: "s", count: 9, actions: [{ title: "t", description: "d", canonical_url: "/" }] });
    if (event.type !== "actions") throw new Error();
    expect(event.count).toBe(1);
    expect(event.claimed_count).toBe(9);
  });

  it("accepts an empty actions list, and a missing one as empty", () => {
    const a = ok({ type: "actions", session_id: "s", actions: [] });
    const b = ok({ type: "actions", session_id: "s" });
    expect(a.type === "actions" && a.actions).toEqual([]);
    expect(b.type === "actions" && b.actions).toEqual([]);
  });

  it("takes the session from the actions when the batch has none but all actions agree", () => {
    const event = ok({
      type: "actions",
      actions: [
        { title: "t", description: "d", canonical_url: "/", session_id: "from-actions" },
        { title: "t2", description: "d2", canonical_url: "/", session_id: "from-actions" },
      ],
    });
    expect(event.session_id).toBe("from-actions");
  });

  it("rejects a batch without a session whose actions disagree", () => {
    const issues = problems({
      type: "actions",
      actions: [
        { title: "t", description: "d", canonical_url: "/", session_id: "a" },
        { title: "t", description: "d", canonical_url: "/", session_id: "b" },
      ],
    });
    expect(issues).toEqual([{ path: "session_id", message: expect.stringMatching(/session_id is required/) }]);
  });

  it("rejects a batch with no session at all", () => {
    expect(problems({ type: "actions", actions: [] })[0]!.path).toBe("session_id");
  });

  it("names the path of a wrong shape", () => {
    expect(problems({ type: "actions", session_id: "s", actions: "nope" })).toEqual([
      { path: "actions", message: "actions must be an array" },
    ]);
    expect(problems({ type: "actions", session_id: "s", actions: [{ title: 5, description: "d", canonical_url: "/" }] })[0]).toEqual({
      path: "actions[0].title",
      message: "title must be a string",
    });
  });

  it("rejects an oversized title naming its limit", () => {
    const [issue] = problems({
      type: "actions",
      session_id: "s",
      actions: [{ title: "x".repeat(100_000), description: "d", canonical_url: "/" }],
    });
    expect(issue).toEqual({ path: "actions[0].title", message: `must be at most ${MAX_TITLE} characters` });
  });

  it("parses a summary event", () => {
    const event = ok(fixtureJson("autoplay-summary.json"));
    expect(event).toMatchObject({ type: "summary", session_id: "ps_7f3a9c", replaces: 4, forwarded_at: 1764000060 });
  });

  it("infers the event type from its fields when `type` is missing, and rejects unknown types", () => {
    expect(ok({ session_id: "s", actions: [] }).type).toBe("actions");
    expect(ok({ session_id: "s", summary: "x" }).type).toBe("summary");
    expect(problems({ type: "bogus" })).toEqual([{ path: "type", message: 'must be "actions" or "summary"' }]);
    expect(problems([1, 2])[0]!.message).toBe("expected a JSON object");
  });

  it("rejects negative and non-numeric timestamps but accepts numeric strings", () => {
    expect(problems({ session_id: "s", actions: [{ title: "t", description: "d", canonical_url: "/", timestamp_start: -1 }] })[0]!.path).toBe(
      "actions[0].timestamp_start",
    );
    const event = ok({ session_id: "s", actions: [{ title: "t", description: "d", canonical_url: "/", timestamp_start: "12.5" }] });
    expect(event.type === "actions" && event.actions[0]!.timestamp_start).toBe(12.5);
  });
});

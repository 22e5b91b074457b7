import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushActions, recordDecisions, recordingPublisher } from "../helpers/suggestions.js";
import { createManualClock } from "../helpers/clock.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";

let server: TestServer;
const publisher = recordingPublisher();
// Wall time is moved by hand, so a slow machine cannot make the user "dwell" before the first evaluation.
const clock = createManualClock();
beforeAll(async () => {
  server = await startTestServer({ clock, publish: publisher.publish, env: { DWELL_MS: "1500", SUGGEST_DEBOUNCE_MS: "10", SUGGEST_MAX_WAIT_MS: "100" } });
});
afterAll(async () => {
  await server.close();
});

describe("dwell", () => {
  it("is re-evaluated by a timer: a quiet user gets help without sending anything new", async () => {
    const decisions = recordDecisions(server.suggestions);
    // Stamped on the test clock: real time (the default) runs ahead of it by however long the start took, and an
    // action from the clock's future would not look dwelt on.
    await pushActions(server.url, "dw-1", [{ url: "/dashboard" }, { type: "click", url: "/dashboard", title: "Click 'Filters' button" }], clock.now());
    // Right after the actions nothing applies…
    expect(await decisions.next({ sessionId: "dw-1" })).toMatchObject({ outcome: "skipped", reason: "declined", trigger: "activity" });
    // …and once the user has been still for DWELL_MS, the timer evaluates again and the dwell detector speaks.
    clock.advance(2_000);
    const d = await decisions.next({ sessionId: "dw-1" });
    expect(d).toMatchObject({ outcome: "delivered", trigger: "recheck", source: "rules" });
    expect(d.text).toMatch(/^Still on Dashboard after \d+ seconds\. Need a hand with something on Dashboard\? Ask me here\.$/);
    expect(await server.repos.suggestions.findById(d.suggestionId!)).toMatchObject({ signal: "dwell", evidence: { indexes: [1] } });
    expect(publisher.published.at(-1)!.id).toBe(d.suggestionId);
  });
});

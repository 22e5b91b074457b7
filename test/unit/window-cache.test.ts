import { describe, expect, it } from "vitest";
import type { StoredAction } from "../../db/action.repository.js";
import type { IngestedEvent } from "../../server/ingest/ingest-event.js";
import { createWindowCache } from "../../server/sessions/window-cache.js";

let nextId = 1;
const action = (sessionRef: number): StoredAction => ({
  id: nextId++, sessionRef, batchIndex: 0, type: "click", title: "t", description: "d", canonicalUrl: "/", rawUrl: null,
  timestampStart: 0, timestampEnd: 0, userId: null, email: null, conversationId: null, source: "push", receivedAt: 0,
});
const ingested = (sessionRef: number, n: number, newSession = false): Extract<IngestedEvent, { kind: "actions" }> => {
  const stored = Array.from({ length: n }, () => action(sessionRef));
  return {
    kind: "actions", productId: "demo", sessionRef, sessionId: `s${sessionRef}`, source: "push", logId: 0, data: "{}",
    actionIds: stored.map((a) => a.id), actions: [], stored, newSession,
  };
};

describe("window cache", () => {
  it("starts a window with a new session and extends it with every ingest, keeping the newest windowSize", () => {
    const cache = createWindowCache({ windowSize: 4, maxActions: 100 });
    cache.onIngested(ingested(1, 3, true));
    cache.onIngested(ingested(1, 3));
    const window = cache.get(1, 6, 0)!;
    expect(window).toHaveLength(4);
    expect(window.map((a) => a.id)).toEqual([...window.map((a) => a.id)].sort((a, b) => a - b));
  });

  it("misses when the store says otherwise: another writer's actions, a new summary, or a session it never saw", () => {
    const cache = createWindowCache({ windowSize: 50, maxActions: 100 });
    cache.onIngested(ingested(1, 2, true));
    expect(cache.get(1, 3, 0)).toBeUndefined();
    cache.onIngested(ingested(2, 2, true));
    expect(cache.get(2, 2, 7)).toBeUndefined();
    cache.onIngested(ingested(3, 2));
    expect(cache.get(3, 2, 0)).toBeUndefined();
    cache.onIngested(ingested(4, 2, true));
    cache.onIngested({ kind: "summary", productId: "demo", sessionRef: 4, sessionId: "s4", source: "push", logId: 0, data: "{}", summaryId: 1 });
    expect(cache.get(4, 2, 0)).toBeUndefined();
  });

  it("keeps a window read from the store only when there is room for it (no eviction cascade)", () => {
    const cache = createWindowCache({ windowSize: 50, maxActions: 4 });
    const a = ingested(1, 2, true);
    const b = ingested(2, 2, true);
    cache.onIngested(a);
    cache.onIngested(b);
    cache.put(3, 2, 0, [action(3), action(3)]);
    expect(cache.get(3, 2, 0)).toBeUndefined();
    expect(cache.get(1, 2, 0)).toBeDefined();
    expect(cache.get(2, 2, 0)).toBeDefined();
  });

  it("drops folded actions, and forgets the least recently extended sessions past its bound on actions held", () => {
    const cache = createWindowCache({ windowSize: 50, maxActions: 3 });
    const first = ingested(1, 3, true);
    cache.onIngested(first);
    cache.folded(1, first.actionIds[1]!);
    expect(cache.get(1, 3, first.actionIds[1]!)!.map((a) => a.id)).toEqual([first.actionIds[2]]);
    cache.onIngested(ingested(2, 1, true));
    cache.onIngested(ingested(1, 1));
    cache.onIngested(ingested(3, 1, true));
    expect(cache.stats()).toEqual({ sessions: 2, actions: 3 });
    expect(cache.get(2, 1, 0)).toBeUndefined();
    expect(cache.get(1, 4, first.actionIds[1]!)).toBeDefined();
  });

  it("a read does not keep an evaluated window in place of the windows of sessions created after it", () => {
    // New sessions, each evaluated once some time after its first ingest: the window of the session evaluated
    // first must give way, not the one created after it and still waiting for its evaluation.
    const cache = createWindowCache({ windowSize: 50, maxActions: 2 });
    cache.onIngested(ingested(1, 1, true));
    cache.onIngested(ingested(2, 1, true));
    expect(cache.get(1, 1, 0)).toBeDefined();
    cache.onIngested(ingested(3, 1, true));
    expect(cache.get(2, 1, 0)).toBeDefined();
    expect(cache.get(3, 1, 0)).toBeDefined();
    expect(cache.get(1, 1, 0)).toBeUndefined();
  });
});

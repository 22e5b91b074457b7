import { describe, expect, it } from "vitest";
import type { StoredAction } from "../../db/action.repository.js";
import type { IngestedEvent } from "../../server/ingest/ingest-event.js";
import { createWindowCache } from "../../server/sessions/window-cache.js";

let nextId = 1;
const action = (sessionRef: number): StoredAction => ({
  id: nextId++, sessionRef, batchIndex: 0, type: "click", title: "t", description: "d", canonicalUrl: "/", rawUrl: null,
  timestampStart: 0, timestampEnd: 0, userId: null, email: null, conversationId: null, source: "push", receivedAt: 0,
});
const ingested = (sessionRef: number, n: number, newSession = false): IngestedEvent => {
  const stored = Array.from({ length: n }, () => action(sessionRef));
  return {
    kind: "actions", productId: "demo", sessionRef, sessionId: `s${sessionRef}`, source: "push", logId: 0, data: "{}",
    actionIds: stored.map((a) => a.id), actions: [], stored, newSession,
  };
};

describe("window cache", () => {
  it("starts a window with a new session and extends it with every ingest, keeping the newest windowSize", () => {
    const cache = createWindowCache({ windowSize: 4, maxSessions: 10 });
    cache.onIngested(ingested(1, 3, true));
    cache.onIngested(ingested(1, 3));
    const window = cache.get(1, 6, 0)!;
    expect(window).toHaveLength(4);
    expect(window.map((a) => a.id)).toEqual([...window.map((a) => a.id)].sort((a, b) => a - b));
  });

  it("misses when the store says otherwise: another writer's actions, a new summary, or a session it never saw", () => {
    const cache = createWindowCache({ windowSize: 50, maxSessions: 10 });
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

  it("drops folded actions, and forgets the least recently used session past its bound", () => {
    const cache = createWindowCache({ windowSize: 50, maxSessions: 2 });
    const first = ingested(1, 3, true);
    cache.onIngested(first);
    cache.folded(1, first.actionIds[1]!);
    expect(cache.get(1, 3, first.actionIds[1]!)!.map((a) => a.id)).toEqual([first.actionIds[2]]);
    cache.onIngested(ingested(2, 1, true));
    cache.get(1, 3, first.actionIds[1]!);
    cache.onIngested(ingested(3, 1, true));
    expect(cache.size()).toBe(2);
    expect(cache.get(2, 1, 0)).toBeUndefined();
    expect(cache.get(1, 3, first.actionIds[1]!)).toBeDefined();
  });
});

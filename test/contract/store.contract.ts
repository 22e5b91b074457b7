/**
 * The repository contract: what every Store adapter (db/store.ts) must do, written against the port only (no
 * SQL), with real rows. Run by test/contract/sqlite-store.test.ts (npm test) and test/pg/postgres-store.test.ts
 * (npm run test:pg); the same expectations on both is what "the same results" means.
 *
 * Tests in one file share a store, so each works on a product of its own, and times only move forward (some
 * reads find a time range's first row by a binary search over ids, which assumes ids grow with time).
 */
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NewAction } from "../../db/action.repository.js";
import type { NewAttempt } from "../../db/attempt.repository.js";
import type { Product } from "../../db/product.repository.js";
import type { Store } from "../../db/store.js";
import type { NewSuggestion } from "../../db/suggestion.repository.js";

export interface OpenedStore {
  store: Store;
  close(): Promise<void>;
}

const HOUR = 3_600_000;

export function describeStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`store contract: ${name}`, () => {
    let opened: OpenedStore;
    let store: Store;
    /** The file's clock: every test moves it on, never back. */
    let now = 1_700_000_000_000;
    const tick = (ms = 1000) => (now += ms);

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });
    afterAll(async () => {
      await opened?.close();
    });

    const rand = () => crypto.randomBytes(6).toString("hex");
    async function newProduct(overrides: Partial<Product> = {}): Promise<Product> {
      const id = `p_${rand()}`;
      const product: Product = {
        id, name: `Product ${id}`, pushSecret: "push-secret-0123456789", streamTokenHash: "ab".repeat(32), productKey: `pk_${rand()}`,
        identitySecret: null, posthogSecret: "posthog-secret-0123456789", allowedOrigins: ["https://a.example"], createdAt: now, updatedAt: now,
        ...overrides,
      };
      await store.products.save(product);
      return product;
    }
    const touch = (productId: string, sessionKey: string, userId: string | null = null) =>
      store.sessions.touch({ productId, sessionKey, userId, email: null, now: tick() });
    const action = (sessionRef: number, i: number, over: Partial<NewAction> = {}): NewAction => ({
      sessionRef, dedupeKey: BigInt(i) * 0x1_0000_0001n - 2n ** 62n, batchIndex: i, type: i % 2 ? "click" : "page_view", title: `Title ${i}`,
      description: `did ${i}`, canonicalUrl: `https://a.example/${i}`, rawUrl: i % 3 ? null : `https://a.example/${i}?q=1`,
      timestampStart: 1_700_000_000.25 + i, timestampEnd: 1_700_000_000.75 + i, userId: null, email: null, conversationId: null,
      source: "capture", receivedAt: now, ...over,
    });
    const suggestion = (sessionRef: number, over: Partial<NewSuggestion> = {}): NewSuggestion => ({
      sessionRef, text: "Try the export button", normText: "try the export button", source: "rules", model: "rules", signal: "rage_click",
      workflowId: null, stepId: null, latencyMs: 12.5, usage: null, evidence: { indexes: [1, 2], actionIds: [7, 8] }, status: "pending",
      modelError: null, createdAt: tick(), ...over,
    });

    it("products: saves, finds by id and key, lists by id, and overwrites on save", async () => {
      const a = await newProduct({ identitySecret: "identity-0123456789" });
      expect(await store.products.findById(a.id)).toEqual(a);
      expect(await store.products.findByProductKey(a.productKey)).toEqual(a);
      expect(await store.products.findById("nope")).toBeUndefined();
      await store.products.save({ ...a, name: "Renamed", allowedOrigins: [], updatedAt: tick() });
      expect(await store.products.findById(a.id)).toMatchObject({ name: "Renamed", allowedOrigins: [], createdAt: a.createdAt });
      // A key once found, then rotated: the old key finds nothing at once, the new one finds the product as saved.
      expect(await store.products.findByProductKey(a.productKey)).toMatchObject({ name: "Renamed" });
      const rotated = `pk_${rand()}_rotated`;
      await store.products.save({ ...a, productKey: rotated, name: "Rotated", updatedAt: tick() });
      expect(await store.products.findByProductKey(a.productKey)).toBeUndefined();
      expect(await store.products.findByProductKey(rotated)).toMatchObject({ id: a.id, name: "Rotated" });
      expect(await store.products.findByProductKey("pk_nope")).toBeUndefined();
      const b = await newProduct();
      const ids = (await store.products.list()).map((p) => p.id);
      expect(ids).toEqual([...ids].sort());
      expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
    });

    it("settings: get and overwrite", async () => {
      const key = `k_${rand()}`;
      expect(await store.settings.get(key)).toBeUndefined();
      await store.settings.set(key, "one");
      await store.settings.set(key, "two");
      expect(await store.settings.get(key)).toBe("two");
    });

    it("settings.setIfAbsent and products.insertIfAbsent: the first writer wins and every caller gets its value", async () => {
      const key = `k_${rand()}`;
      expect(await store.settings.setIfAbsent(key, "first")).toBe("first");
      expect(await store.settings.setIfAbsent(key, "second")).toBe("first");
      const many = await Promise.all(Array.from({ length: 8 }, (_, i) => store.settings.setIfAbsent(`${key}_c`, `v${i}`)));
      expect(new Set(many).size).toBe(1);
      expect(await store.settings.get(`${key}_c`)).toBe(many[0]);

      const p = await newProduct();
      const other = { ...p, productKey: `pk_${rand()}`, pushSecret: "another-push-secret-0123" };
      expect(await store.products.insertIfAbsent(other)).toEqual(p);
      expect(await store.products.findById(p.id)).toEqual(p);
      const fresh = { ...p, id: `p_${rand()}`, productKey: `pk_${rand()}` };
      expect(await store.products.insertIfAbsent(fresh)).toEqual(fresh);
    });

    it("sessions: one row per key, activity, owner set once, goal only when changed, recently active", async () => {
      const p = await newProduct();
      const id = await touch(p.id, "s1", "claimed");
      expect(await touch(p.id, "s1")).toBe(id);
      expect(await store.sessions.idByKey(p.id, "s1")).toBe(id);
      expect(await store.sessions.idByKey(p.id, "nope")).toBeUndefined();
      const seen = tick(5000);
      await store.sessions.recordActivity(id, { userId: "u2", email: "e@x.example", now: seen, added: 3 });
      await store.sessions.recordActivity(id, { userId: null, email: null, now: seen + 500, added: 2 });
      const s = await store.sessions.findByKey(p.id, "s1");
      expect(s).toEqual({
        id, productId: p.id, sessionKey: "s1", userId: "u2", ownerId: null, email: "e@x.example", goal: null, goalSource: null,
        actionCount: 5, firstSeenAt: expect.any(Number), lastSeenAt: seen,
      });
      expect(await store.sessions.findById(id)).toEqual(s);
      expect(await store.sessions.setOwner(id, "owner-1")).toBe(true);
      expect(await store.sessions.setOwner(id, "owner-2")).toBe(false);
      await store.sessions.recordActivity(id, { userId: "someone-else", email: null, now: tick(), added: 0 });
      expect(await store.sessions.findById(id)).toMatchObject({ ownerId: "owner-1", userId: "owner-1" });
      expect(await store.sessions.setGoalIfChanged(id, "export a report", "llm")).toBe(true);
      expect(await store.sessions.setGoalIfChanged(id, "export a report", "llm")).toBe(false);
      expect(await store.sessions.setGoalIfChanged(id, null, null)).toBe(true);
      expect(await store.sessions.setGoalIfChanged(id + 1_000_000, "x", "y")).toBe(false);
      expect(await store.sessions.windowKey(id)).toEqual({ actionCount: 5, covered: 0 });
      expect(await store.sessions.windowKey(id + 1_000_000)).toBeUndefined();
      const later = await touch(p.id, "s2");
      expect((await store.sessions.recentlyActive(p.id, 0, 10)).map((r) => r.id)).toEqual([later, id]);
      expect((await store.sessions.recentlyActive(p.id, 0, 1)).map((r) => r.id)).toEqual([later]);
    });

    it("actions: new ones stored once (duplicates in and across batches), read newest/oldest, counted", async () => {
      const p = await newProduct();
      const ref = await touch(p.id, "a1");
      const batch = [action(ref, 1), action(ref, 2), action(ref, 1), action(ref, 3)];
      const stored = await store.transaction((tx) => tx.actions.insertNew(batch));
      expect(stored.map((s) => s.position)).toEqual([0, 1, 3]);
      expect(stored[1]!.id).toBeGreaterThan(stored[0]!.id);
      expect(stored[2]!.id).toBeGreaterThan(stored[1]!.id);
      const again = await store.transaction((tx) => tx.actions.insertNew([action(ref, 3), action(ref, 4)]));
      expect(again.map((s) => s.position)).toEqual([1]);
      const ids = [...stored.map((s) => s.id), again[0]!.id];
      const latest = await store.actions.latest(ref, 0, 2);
      expect(latest.map((a) => a.id)).toEqual(ids.slice(2));
      expect(latest[0]).toEqual({
        id: ids[2], sessionRef: ref, batchIndex: 3, type: "click", title: "Title 3", description: "did 3", canonicalUrl: "https://a.example/3",
        rawUrl: "https://a.example/3?q=1", timestampStart: 1_700_000_003.25, timestampEnd: 1_700_000_003.75, userId: null, email: null,
        conversationId: null, source: "capture", receivedAt: now,
      });
      expect((await store.actions.oldest(ref, ids[0]!, 2)).map((a) => a.id)).toEqual(ids.slice(1, 3));
      expect(await store.actions.latestText(ref, 0, 2)).toEqual([
        { type: "click", title: "Title 3", description: "did 3", canonicalUrl: "https://a.example/3", receivedAt: now },
        { type: "page_view", title: "Title 4", description: "did 4", canonicalUrl: "https://a.example/4", receivedAt: now },
      ]);
      expect(await store.actions.countAfter(ref, ids[1]!)).toBe(2);
      expect(await store.actions.countByType(ref)).toEqual({ click: 2, page_view: 2 });
      expect(await store.actions.idOfNth(ref, 2)).toBe(ids[1]);
      expect(await store.actions.idOfNth(ref, 99)).toBe(ids[3]);
      expect(await store.actions.idOfNth(ref, 0)).toBe(0);
      expect(await store.actions.insertNew([])).toEqual([]);
    });

    it("summaries: stored once per dedupe key, the newest is the latest, and it moves the window key", async () => {
      const p = await newProduct();
      const ref = await touch(p.id, "m1");
      const summary = { sessionRef: ref, dedupeKey: 2n ** 63n - 5n, text: "Looked at pricing", replaces: 0, coversThroughActionId: 42, source: "push", forwardedAt: 1_700_000_000.5, createdAt: tick() };
      const id = await store.summaries.insert(summary);
      expect(id).toEqual(expect.any(Number));
      expect(await store.summaries.insert(summary)).toBeUndefined();
      const { dedupeKey: _k, ...rest } = summary;
      expect(await store.summaries.latest(ref)).toEqual({ id, ...rest });
      expect(await store.sessions.windowKey(ref)).toEqual({ actionCount: 0, covered: 42 });
      expect(await store.summaries.latest(ref + 1_000_000)).toBeUndefined();
    });

    it("conversations and messages: first link wins, seqs count up, messages read by seq, client id and suggestion", async () => {
      const p = await newProduct();
      const s1 = await touch(p.id, "c1");
      const s2 = await touch(p.id, "c2");
      const conv = `conv_${rand()}`;
      const created = tick();
      await store.conversations.create({ id: conv, productId: p.id, userId: null, now: created });
      expect(await store.conversations.findById(conv)).toEqual({ id: conv, productId: p.id, userId: null, lastSeq: 0, createdAt: created, lastMessageAt: null });
      const other = `conv_${rand()}`;
      await store.conversations.create({ id: other, productId: p.id, userId: null, now: tick() });
      const linkedAt = tick();
      expect(await store.conversations.link(s1, conv, "new", linkedAt)).toEqual({ sessionRef: s1, conversationId: conv, kind: "new", linkedAt });
      expect(await store.conversations.link(s1, other, "resumed", tick())).toEqual({ sessionRef: s1, conversationId: conv, kind: "new", linkedAt });
      await store.conversations.link(s2, conv, "resumed", tick());
      expect((await store.conversations.linksOf(conv)).map((l) => [l.sessionRef, l.sessionId, l.kind])).toEqual([[s1, "c1", "new"], [s2, "c2", "resumed"]]);
      expect(await store.conversations.linkOf(s2)).toMatchObject({ conversationId: conv, kind: "resumed" });
      expect(await store.conversations.linkOf(s2 + 1_000_000)).toBeUndefined();
      await store.conversations.claimForUser(conv, "u1");
      await store.conversations.claimForUser(conv, "u2");
      expect(await store.conversations.latestForUser(p.id, "u1")).toMatchObject({ id: conv, userId: "u1" });
      expect(await store.conversations.latestForUser(p.id, "u2")).toBeUndefined();
      // `other` lost the race for s1: nothing links to it and it holds no message, so it can be discarded;
      // a linked conversation never is.
      expect(await store.conversations.discardUnlinked(conv)).toBe(false);
      expect(await store.conversations.discardUnlinked(other)).toBe(true);
      expect(await store.conversations.findById(other)).toBeUndefined();
      expect(await store.conversations.findById(conv)).toMatchObject({ id: conv });

      const messages = await store.transaction(async (tx) => {
        const out = [];
        for (const [role, text, clientId] of [["user", "hi", "c-1"], ["assistant", "hello", null], ["user", "export?", "c-2"], ["suggestion", "try this", null]] as const) {
          const at = tick();
          const seq = await tx.conversations.nextSeq(conv, at);
          out.push(await tx.messages.insert({
            id: `m_${rand()}`, conversationId: conv, seq, role, text, sessionRef: s1, clientMessageId: clientId,
            suggestionId: role === "suggestion" ? 777 : null, createdAt: at,
          }));
        }
        return out;
      });
      expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
      expect(await store.conversations.findById(conv)).toMatchObject({ lastSeq: 4, lastMessageAt: messages[3]!.createdAt });
      expect(await store.messages.byClientId(conv, "c-2")).toEqual(messages[2]);
      expect(await store.messages.byClientId(conv, "c-9")).toBeUndefined();
      expect(await store.messages.after(conv, 1, 2)).toEqual(messages.slice(1, 3));
      expect(await store.messages.recent(conv, 2)).toEqual(messages.slice(2));
      expect(await store.messages.lastUserBefore(conv, 3)).toEqual(messages[0]);
      expect(await store.messages.lastUserBefore(conv, 1)).toBeUndefined();
      expect(await store.messages.bySuggestion(777)).toEqual(messages[3]);
      // A client message id is stored once per conversation.
      await expect(store.messages.insert({ ...messages[2]!, id: `m_${rand()}`, seq: 9 })).rejects.toThrow();
    });

    it("user sessions: a user's own sessions only, newest first", async () => {
      const p = await newProduct();
      const mine = await touch(p.id, "u-mine");
      const foreign = await touch(p.id, "u-foreign");
      await store.sessions.setOwner(mine, "alice");
      await store.sessions.setOwner(foreign, "bob");
      const at = tick(10_000);
      await store.userSessions.touch(p.id, "alice", mine, at);
      await store.userSessions.touch(p.id, "alice", mine, at - 5000);
      await store.userSessions.touch(p.id, "alice", foreign, at);
      expect(await store.userSessions.recent(p.id, "alice", 0, 10)).toEqual([{ sessionRef: mine, sessionId: "u-mine", lastSeenAt: at }]);
      expect(await store.userSessions.recent(p.id, "alice", at + 1, 10)).toEqual([]);
    });

    it("suggestions and decisions: stored, read back, counted, delivered, expired, pending for a widget", async () => {
      const p = await newProduct();
      const ref = await touch(p.id, "g1");
      const peer = await touch(p.id, "g2");
      const conv = `conv_${rand()}`;
      await store.conversations.create({ id: conv, productId: p.id, userId: null, now: tick() });
      await store.conversations.link(ref, conv, "new", tick());
      await store.conversations.link(peer, conv, "resumed", tick());
      const since = tick();
      const first = suggestion(ref, { usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 }, source: "llm", model: "m", signal: "llm", workflowId: "w", stepId: "s2" });
      const a = await store.suggestions.insert(first);
      const b = await store.suggestions.insert(suggestion(peer, { text: "Other", normText: "other" }));
      const c = await store.suggestions.insert(suggestion(ref, { status: "skipped" }));
      expect(await store.suggestions.findById(a)).toEqual({ ...first, id: a, feedback: null, feedbackAt: null, deliveredAt: null });
      expect(await store.suggestions.findById(a + 1_000_000)).toBeUndefined();
      expect((await store.suggestions.recent(ref, 10)).map((s) => s.id)).toEqual([c, a]);
      expect(await store.suggestions.recentSteps(ref, 1)).toEqual([{ id: c, status: "skipped", feedback: null, workflowId: null, stepId: null, signal: "rage_click" }]);
      expect(await store.suggestions.countDeliveredSince(ref, since)).toBe(1);
      expect(await store.suggestions.wasShownSince(ref, "try the export button", since)).toBe(true);
      expect(await store.suggestions.wasShownSince(ref, "other", since)).toBe(false);

      const pending = await store.suggestions.pendingFor({ since, sessionRef: ref, conversationId: conv, productId: p.id, userId: null, limit: 10 });
      expect(pending).toEqual([
        { id: a, sessionRef: ref, productId: p.id, sessionId: "g1", text: first.text, source: "llm", evidence: first.evidence, createdAt: first.createdAt },
        expect.objectContaining({ id: b, sessionRef: peer, sessionId: "g2" }),
      ]);
      expect((await store.suggestions.pendingFor({ since, sessionRef: ref, conversationId: null, productId: p.id, userId: null, limit: 10 })).map((s) => s.id)).toEqual([a]);
      expect((await store.suggestions.pendingFor({ since, sessionRef: ref, conversationId: conv, productId: p.id, userId: null, limit: 1 })).map((s) => s.id)).toEqual([b]);
      const pendingBefore = await store.suggestions.countPending();
      expect(pendingBefore).toBeGreaterThanOrEqual(2);

      const at = tick();
      expect(await store.suggestions.markDelivered(a, at)).toBe(true);
      expect(await store.suggestions.markDelivered(a, at)).toBe(false);
      expect(await store.suggestions.findById(a)).toMatchObject({ status: "delivered", deliveredAt: at });
      await store.suggestions.setFeedback(a, "accepted", tick());
      expect(await store.suggestions.findById(a)).toMatchObject({ feedback: "accepted", feedbackAt: now });
      await store.suggestions.setStatus(c, "superseded");
      expect((await store.suggestions.findById(c))!.status).toBe("superseded");
      // Expiry works oldest first across every product: everything pending created before b+1 goes, b among them.
      expect(await store.suggestions.expirePending(now + 1, 100_000)).toBe(pendingBefore - 1);
      expect(await store.suggestions.countPending()).toBe(0);
      expect(await store.suggestions.markDelivered(b, tick())).toBe(true);

      const d1 = await store.suggestions.insertDecision({ sessionRef: ref, suggestionId: a, outcome: "delivered", reason: null, trigger: "activity", source: "llm", modelError: null, detail: null, createdAt: tick() });
      const d2 = await store.suggestions.insertDecision({
        sessionRef: ref, suggestionId: null, outcome: "skipped", reason: "cooldown", trigger: "recheck", source: null, modelError: "timeout", detail: "d",
        rules: [{ code: "memory", detail: "x" }], holdout: true, createdAt: tick(),
      });
      expect(await store.suggestions.recentDecisions(ref, 10)).toEqual([
        { id: d2, sessionRef: ref, suggestionId: null, outcome: "skipped", reason: "cooldown", trigger: "recheck", source: null, modelError: "timeout", detail: "d", rules: [{ code: "memory", detail: "x" }], holdout: true, createdAt: now },
        { id: d1, sessionRef: ref, suggestionId: a, outcome: "delivered", reason: null, trigger: "activity", source: "llm", modelError: null, detail: null, rules: [], holdout: false, createdAt: now - 1000 },
      ]);

      expect(await store.adminFeed.recentSuggestions(p.id, 2)).toEqual([
        { id: c, sessionId: "g1", conversationId: conv, text: "Try the export button", source: "rules", model: "rules", signal: "rage_click", workflowId: null, stepId: null, status: "superseded", reason: null, trigger: null, modelError: null, rules: null, latencyMs: 12.5, feedback: null, feedbackAt: null, createdAt: expect.any(Number), deliveredAt: null },
        expect.objectContaining({ id: b, sessionId: "g2", status: "delivered" }),
      ]);
      expect((await store.adminFeed.recentSuggestions(p.id, 10)).find((s) => s.id === a)).toMatchObject({ reason: null, trigger: "activity", feedback: "accepted" });
      expect(await store.adminFeed.recentSkips(p.id, 10)).toEqual([
        { id: d2, sessionId: "g1", reason: "cooldown", trigger: "recheck", source: null, modelError: "timeout", detail: "d", suggestionId: null, suggestionText: null, rules: '[{"code":"memory","detail":"x"}]', holdout: 1, createdAt: now },
      ]);
    });

    it("gates: none until saved, then the saved record, overwritten", async () => {
      const p = await newProduct();
      const ref = await touch(p.id, "gate");
      expect(await store.gates.find(ref)).toBeUndefined();
      const record = { sessionRef: ref, state: "thinking" as const, stateSince: tick(), cooldownUntil: 0, typingUntil: 0, lastUserMessageAt: 0, dismissals: 0, updatedAt: now };
      await store.gates.save(record);
      await store.gates.save({ ...record, state: "reactive", dismissals: 2, cooldownUntil: now + 60_000 });
      expect(await store.gates.find(ref)).toEqual({ ...record, state: "reactive", dismissals: 2, cooldownUntil: now + 60_000 });
    });

    it("workflows: one document per product, overwritten", async () => {
      const p = await newProduct();
      expect(await store.workflows.find(p.id)).toBeUndefined();
      await store.workflows.save(p.id, '{"workflows":[]}', "file", tick());
      await store.workflows.save(p.id, '{"workflows":[1]}', "admin", tick());
      expect(await store.workflows.find(p.id)).toEqual({ productId: p.id, document: '{"workflows":[1]}', origin: "admin", updatedAt: now });
    });

    it("event log: ids grow, pages read by product and by session, head and pruning", async () => {
      const p = await newProduct();
      const headBefore = await store.eventLog.head();
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(await store.write((tx) => tx.eventLog.append({ productId: p.id, sessionKey: i % 2 ? "odd" : "even", kind: "actions", data: `{"n":${i}}`, createdAt: tick() })));
      }
      expect(ids[0]).toBeGreaterThan(headBefore);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(await store.eventLog.head()).toBe(ids[4]);
      const page = await store.eventLog.after(p.id, 0, 3);
      expect(page).toEqual({ entries: ids.slice(0, 3).map((id, i) => ({ id, data: `{"n":${i}}` })), through: ids[2], end: false });
      expect(await store.eventLog.after(p.id, ids[2]!, 3)).toEqual({ entries: ids.slice(3).map((id, i) => ({ id, data: `{"n":${i + 3}}` })), through: ids[4], end: true });
      const odd = await store.eventLog.after(p.id, ids[0]! - 1, 10, "odd");
      expect(odd).toEqual({ entries: [{ id: ids[1], data: '{"n":1}' }, { id: ids[3], data: '{"n":3}' }], through: ids[4], end: true });
      // Appended outside write(): still in order.
      const direct = await store.eventLog.append({ productId: p.id, sessionKey: "even", kind: "summary", data: "{}", createdAt: tick() });
      expect(direct).toBeGreaterThan(ids[4]!);
      // Pruning: only entries created before the cutoff, oldest first, across products.
      const pruned = await store.eventLog.pruneBatch(now + 1, 1_000_000);
      expect(pruned).toBeGreaterThanOrEqual(6);
      expect(await store.eventLog.after(p.id, 0, 10)).toEqual({ entries: [], through: 0, end: true });
      expect(await store.eventLog.head()).toBe(direct);
      expect(await store.eventLog.prunedThrough()).toBe(direct);
      const next = await store.eventLog.append({ productId: p.id, sessionKey: "even", kind: "summary", data: "{}", createdAt: tick() });
      expect(next).toBeGreaterThan(direct);
      expect(await store.eventLog.prunedThrough()).toBe(next - 1);
    });

    it("attempts: stored with steps, updated, read by session and scope, rescoped, abandoned; cursors and assignments", async () => {
      const p = await newProduct();
      const ref = await touch(p.id, "att");
      const started = tick();
      const base: NewAttempt = {
        productId: p.id, sessionRef: ref, scopeKind: "session", scopeId: "att", workflowId: "checkout", workflowVersion: "v1", expectedSteps: 4,
        matchedSteps: 1, furthestStep: 0, completionPct: 25, outcome: "in_progress", missedSteps: [], outOfOrder: [], failedSubmits: 0, rageClicks: 0,
        dwells: 0, longestDwellMs: 0, lastIssueCode: null, lastIssue: null, startedAt: started, progressedAt: started, updatedAt: started, endedAt: null,
      };
      const id = await store.attempts.insert(base);
      const second = await store.attempts.insert({ ...base, workflowId: "signup", startedAt: tick(), progressedAt: now, updatedAt: now });
      const updated = { ...base, id, matchedSteps: 3, furthestStep: 3, completionPct: 75, missedSteps: ["s2"], outOfOrder: ["s4"], failedSubmits: 1, lastIssueCode: "failed_submit", lastIssue: "Save failed", progressedAt: tick(), updatedAt: now };
      await store.attempts.update(updated);
      await store.attempts.replaceSteps(id, [{ stepIndex: 0, stepId: "s1", actionId: 10, matchedAt: started, outOfOrder: false }]);
      await store.attempts.replaceSteps(id, [
        { stepIndex: 0, stepId: "s1", actionId: 10, matchedAt: started, outOfOrder: false },
        { stepIndex: 3, stepId: "s4", actionId: 12, matchedAt: now, outOfOrder: true },
      ]);
      const ofSession = await store.attempts.ofSession(ref);
      expect(ofSession).toEqual([
        { ...updated, steps: [{ stepIndex: 0, stepId: "s1", actionId: 10, matchedAt: started, outOfOrder: false }, { stepIndex: 3, stepId: "s4", actionId: 12, matchedAt: now, outOfOrder: true }] },
        expect.objectContaining({ id: second, workflowId: "signup", steps: [] }),
      ]);
      expect((await store.attempts.ofScope(p.id, "session", "att", 0, 1)).map((a) => a.id)).toEqual([second]);
      await store.attempts.rescopeSession(ref, "user", "alice");
      expect((await store.attempts.ofScope(p.id, "user", "alice", 0, 10)).map((a) => a.id)).toEqual([id, second]);
      expect(await store.attempts.ofScope(p.id, "session", "att", 0, 10)).toEqual([]);
      expect(await store.attempts.abandonQuiet(updated.updatedAt, 100_000)).toBeGreaterThanOrEqual(1);
      expect((await store.attempts.ofSession(ref)).map((a) => [a.id, a.outcome, a.endedAt])).toEqual([[id, "in_progress", null], [second, "abandoned", second ? expect.any(Number) : null]]);

      expect(await store.attempts.cursor(ref)).toBeUndefined();
      const cursor = { sessionRef: ref, productId: p.id, scopeKind: "user" as const, scopeId: "alice", lastActionId: 12, scan: '{"pending":[]}', updatedAt: tick() };
      await store.attempts.saveCursor({ ...cursor, lastActionId: 5 });
      await store.attempts.saveCursor(cursor);
      expect(await store.attempts.cursor(ref)).toEqual(cursor);
      expect(await store.attempts.assignmentOf(ref)).toBeUndefined();
      await store.attempts.assign(ref, true, "user", tick());
      await store.attempts.assign(ref, false, "session", tick());
      expect(await store.attempts.assignmentOf(ref)).toEqual({ holdout: true, unit: "user" });
    });

    it("attempts: a sync's hold on a session keeps another sync of it waiting until the first transaction ends", async () => {
      const p = await newProduct();
      const ref = await touch(p.id, "held");
      const order: string[] = [];
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let holding!: () => void;
      const held = new Promise<void>((resolve) => (holding = resolve));
      const first = store.transaction(async (tx) => {
        await tx.attempts.holdForSync(ref);
        order.push("first holds");
        holding();
        await released;
        order.push("first ends");
      });
      await held;
      const second = store.transaction(async (tx) => {
        await tx.attempts.holdForSync(ref);
        order.push("second holds");
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(order).toEqual(["first holds"]);
      release();
      await Promise.all([first, second]);
      expect(order).toEqual(["first holds", "first ends", "second holds"]);
    });

    it("admin search: sessions by key, user or goal and messages by text, case-insensitively", async () => {
      const p = await newProduct();
      const ref = await touch(p.id, "Search-Key-1", "Carol");
      await store.sessions.setGoalIfChanged(ref, "Find the INVOICE", "llm");
      const conv = `conv_${rand()}`;
      await store.conversations.create({ id: conv, productId: p.id, userId: "carol", now: tick() });
      await store.conversations.link(ref, conv, "new", tick());
      await store.messages.insert({ id: `m_${rand()}`, conversationId: conv, seq: 1, role: "user", text: "Where is my Invoice?", sessionRef: ref, clientMessageId: null, suggestionId: null, createdAt: tick() });
      const found = await store.adminSearch.search(p.id, "INVOICE", 0, 10);
      expect(found.sessions).toEqual([{ sessionId: "Search-Key-1", userId: "Carol", goal: "Find the INVOICE", lastSeenAt: expect.any(Number), conversationId: conv }]);
      expect(found.messages).toEqual([{ conversationId: conv, messageId: expect.any(String), role: "user", text: "Where is my Invoice?", createdAt: now, userId: "carol" }]);
      expect((await store.adminSearch.search(p.id, "carol", 0, 10)).sessions).toHaveLength(1);
      expect(await store.adminSearch.search(p.id, "%", 0, 10)).toEqual({ sessions: [], messages: [] });
      // Every letter is folded, not ASCII only, on both adapters alike (as JS toLowerCase()), and so is the query.
      await store.messages.insert({ id: `m_${rand()}`, conversationId: conv, seq: 2, role: "user", text: "Ärger mit der Übersicht", sessionRef: ref, clientMessageId: null, suggestionId: null, createdAt: tick() });
      expect((await store.adminSearch.search(p.id, "RGER MIT", 0, 10)).messages.map((m) => m.text)).toEqual(["Ärger mit der Übersicht"]);
      expect((await store.adminSearch.search(p.id, "übersicht", 0, 10)).messages.map((m) => m.text)).toEqual(["Ärger mit der Übersicht"]);
      expect((await store.adminSearch.search(p.id, "ÄRGER", 0, 10)).messages.map((m) => m.text)).toEqual(["Ärger mit der Übersicht"]);
      await touch(p.id, "ΣΕΛΙΔΑ-ΡΥΘΜΙΣΕΩΝ", "Ωmega");
      expect((await store.adminSearch.search(p.id, "σελιδα", 0, 10)).sessions.map((s) => s.sessionId)).toEqual(["ΣΕΛΙΔΑ-ΡΥΘΜΙΣΕΩΝ"]);
      expect((await store.adminSearch.search(p.id, "ωMEGA", 0, 10)).sessions.map((s) => s.userId)).toEqual(["Ωmega"]);
    });

    it("activity series and lift: per-bucket counts, delivery states, skips by reason, completion by group, trigger facts", async () => {
      const p = await newProduct();
      tick(HOUR);
      const start = Math.floor(now / 60_000) * 60_000 + 60_000;
      now = start;
      const ref = await touch(p.id, "act");
      const control = await touch(p.id, "act-control");
      await store.attempts.assign(ref, false, "session", now);
      await store.attempts.assign(control, true, "session", now);
      // Bucket 0: two actions; bucket 2: one.
      await store.actions.insertNew([action(ref, 1, { receivedAt: start + 1000 }), action(ref, 2, { receivedAt: start + 2000 })]);
      now = start + 2 * 60_000 + 5;
      await store.actions.insertNew([action(ref, 3, { receivedAt: now })]);
      const shown = await store.suggestions.insert(suggestion(ref, { status: "pending", workflowId: "checkout", stepId: "pay", signal: "workflow_step", createdAt: tick() }));
      await store.suggestions.markDelivered(shown, now);
      await store.suggestions.setFeedback(shown, "dismissed", tick());
      await store.suggestions.insert(suggestion(ref, { status: "pending", createdAt: tick() }));
      await store.suggestions.insert(suggestion(control, { status: "held_out", signal: "workflow_step", createdAt: tick() }));
      await store.suggestions.insertDecision({ sessionRef: ref, suggestionId: null, outcome: "skipped", reason: "cap", trigger: "activity", source: null, modelError: null, detail: null, createdAt: tick() });
      await store.suggestions.insertDecision({ sessionRef: ref, suggestionId: null, outcome: "skipped", reason: null, trigger: "activity", source: null, modelError: null, detail: null, createdAt: tick() });
      await store.suggestions.insertDecision({ sessionRef: ref, suggestionId: null, outcome: "skipped", reason: null, trigger: "manual", source: null, modelError: null, detail: null, createdAt: tick() });
      const attemptAt = tick();
      const attempt: NewAttempt = {
        productId: p.id, sessionRef: ref, scopeKind: "session", scopeId: "act", workflowId: "checkout", workflowVersion: "v2", expectedSteps: 2,
        matchedSteps: 2, furthestStep: 1, completionPct: 100, outcome: "completed", missedSteps: [], outOfOrder: [], failedSubmits: 0, rageClicks: 0,
        dwells: 0, longestDwellMs: 0, lastIssueCode: null, lastIssue: null, startedAt: attemptAt, progressedAt: attemptAt, updatedAt: attemptAt, endedAt: attemptAt,
      };
      const done = await store.attempts.insert(attempt);
      await store.attempts.replaceSteps(done, [{ stepIndex: 1, stepId: "pay", actionId: 3, matchedAt: attemptAt, outOfOrder: false }]);
      await store.attempts.insert({ ...attempt, sessionRef: control, scopeId: "act-control", outcome: "in_progress", endedAt: null, workflowVersion: "" });
      await store.attempts.insert({ ...attempt, sessionRef: control, scopeId: "act-control", workflowId: "retired" });
      const range = { start, bucketMs: 60_000, count: 5 };
      const end = start + 5 * 60_000;

      expect(await store.activitySeries.actionsPerBucket(p.id, range)).toEqual([{ bucket: 0, n: 2 }, { bucket: 2, n: 1 }]);
      expect(await store.activitySeries.deliveredPerBucket(p.id, range)).toEqual([{ bucket: 2, n: 1 }]);
      expect(await store.activitySeries.feedbackPerBucket(p.id, range)).toEqual([{ bucket: 2, verdict: "dismissed", n: 1 }]);
      expect(await store.activitySeries.ignoredPerBucket(p.id, range, 60_000, end)).toEqual([]);
      expect(await store.activitySeries.pendingCount(p.id, range, 60_000, now)).toBe(0);
      expect(await store.activitySeries.deliveryCounts(p.id, range)).toEqual({ delivered: 1, pending: 1, expired: 0 });
      expect(await store.activitySeries.deliveryCounts(p.id, { start: end + HOUR, bucketMs: 60_000, count: 1 })).toEqual({ delivered: 0, pending: 0, expired: 0 });
      expect(await store.activitySeries.skipsByReason(p.id, range)).toEqual([{ reason: null, n: 2 }, { reason: "cap", n: 1 }]);

      expect(await store.lift.completionByGroup(p.id, { checkout: "v2" }, start, end, attemptAt + 1)).toEqual([
        { holdout: false, units: 1, completed: 1, open: 0 },
        { holdout: true, units: 1, completed: 0, open: 0 },
      ]);
      expect(await store.lift.completionByGroup(p.id, { checkout: "v2" }, start, end, attemptAt)).toEqual([
        { holdout: false, units: 1, completed: 1, open: 0 },
        { holdout: true, units: 0, completed: 0, open: 1 },
      ]);
      expect(await store.lift.triggerFacts(p.id, start, end, 60_000)).toEqual([
        { signal: "workflow_step", heldOut: false, total: 1, withStep: 1, followed: 1, accepted: 0, dismissed: 1 },
        // Nobody judged the held-out one: SQLite's sum() over only NULL comparisons is null, and so is PostgreSQL's.
        { signal: "workflow_step", heldOut: true, total: 1, withStep: 0, followed: 0, accepted: null, dismissed: null },
      ]);
    });

    it("retention: purges an old session's rows in batches, then the session; quiet conversations with their messages", async () => {
      const p = await newProduct();
      const old = await store.sessions.touch({ productId: p.id, sessionKey: "old", userId: null, email: null, now: 1000 });
      await store.actions.insertNew([action(old, 1), action(old, 2), action(old, 3)]);
      await store.summaries.insert({ sessionRef: old, dedupeKey: 1n, text: "t", replaces: 0, coversThroughActionId: 1, source: "push", forwardedAt: null, createdAt: 1000 });
      const conv = `conv_${rand()}`;
      await store.conversations.create({ id: conv, productId: p.id, userId: null, now: 1500 });
      await store.messages.insert({ id: `m_${rand()}`, conversationId: conv, seq: 1, role: "user", text: "old", sessionRef: old, clientMessageId: null, suggestionId: null, createdAt: 1500 });
      const tables = await store.retention.tables();
      expect(tables).toEqual(["actions", "summaries", "suggestion_decisions", "suggestions", "workflow_attempts", "sessions", "messages", "conversations"]);
      expect(await store.retention.purgeBatch("sessions", 2000, 10)).toBe(0);
      expect(await store.retention.purgeBatch("actions", 2000, 2)).toBe(2);
      expect(await store.retention.purgeBatch("actions", 2000, 2)).toBe(1);
      expect(await store.retention.purgeBatch("summaries", 2000, 2)).toBe(1);
      expect(await store.retention.purgeBatch("sessions", 2000, 10)).toBe(1);
      expect(await store.sessions.findById(old)).toBeUndefined();
      expect(await store.retention.purgeBatch("conversations", 2000, 10)).toBe(0);
      expect(await store.retention.purgeBatch("messages", 2000, 10)).toBe(1);
      expect(await store.retention.purgeBatch("conversations", 2000, 10)).toBe(1);
      await expect(store.retention.purgeBatch("nope", 2000, 10)).rejects.toThrow(/no retention rule/);
    });

    it("transactions: a throw rolls back, a nested one rolls back alone, calls through tx see uncommitted rows", async () => {
      const p = await newProduct();
      await expect(store.transaction(async (tx) => {
        await tx.settings.set(`t_${p.id}`, "x");
        throw new Error("boom");
      })).rejects.toThrow("boom");
      expect(await store.settings.get(`t_${p.id}`)).toBeUndefined();
      const result = await store.transaction(async (tx) => {
        await tx.settings.set(`outer_${p.id}`, "kept");
        await expect(tx.transaction(async (inner) => {
          await inner.settings.set(`inner_${p.id}`, "gone");
          throw new Error("inner");
        })).rejects.toThrow("inner");
        const nested = await tx.transaction(async (inner) => {
          await inner.settings.set(`nested_${p.id}`, "kept");
          return inner.settings.get(`outer_${p.id}`);
        });
        return nested;
      });
      expect(result).toBe("kept");
      expect(await store.settings.get(`outer_${p.id}`)).toBe("kept");
      expect(await store.settings.get(`nested_${p.id}`)).toBe("kept");
      expect(await store.settings.get(`inner_${p.id}`)).toBeUndefined();
    });

    it("write: pieces of one turn commit together; a failing piece rolls back alone and rejects alone", async () => {
      const p = await newProduct();
      const key = (i: number) => `w${i}_${p.id}`;
      const results = await Promise.allSettled([0, 1, 2, 3].map((i) =>
        store.write(async (tx) => {
          await tx.settings.set(key(i), String(i));
          if (i === 2) throw new Error("piece 2 fails");
          return i;
        }),
      ));
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
      expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ message: "piece 2 fails" });
      expect(await Promise.all([0, 1, 2, 3].map((i) => store.settings.get(key(i))))).toEqual(["0", "1", undefined, "3"]);
      // A duplicate primary key is a database error inside one piece: the same.
      const conv = `conv_${rand()}`;
      const dup = await Promise.allSettled([1, 2].map(() => store.write((tx) => tx.conversations.create({ id: conv, productId: p.id, userId: null, now: tick() }))));
      expect(dup.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
      expect(await store.conversations.findById(conv)).toMatchObject({ id: conv });
    });

    it("schemaVersion: the latest migration", async () => {
      expect(await store.schemaVersion()).toBe(14);
    });
  });
}

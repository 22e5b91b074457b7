/**
 * Observing the suggestion engine from tests: a publisher that records what it is given, a recorder of
 * decisions, and pushes of actions with fresh timestamps. Waits resolve on the event, with a timeout.
 */
import type { Decision, SuggestionEngine } from "../../server/suggest/suggestion-engine.js";
import type { PublishedSuggestion, Publisher } from "../../server/suggest/publisher.js";
import { pushEvent } from "./signing.js";
import type { TestServer } from "./test-server.js";
import { connectWidget, nextEvent } from "./widget-client.js";

interface Waiter<T> {
  match: (item: T) => boolean;
  resolve: (item: T) => void;
}

/** A list that tests can await items of: `next()` returns the first matching item not yet taken. */
function createFeed<T>(what: string) {
  const items: T[] = [];
  const taken = new Set<number>();
  const waiters: Waiter<T>[] = [];
  return {
    items,
    push(item: T): void {
      items.push(item);
      const w = waiters.find((x) => x.match(item));
      if (!w) return;
      waiters.splice(waiters.indexOf(w), 1);
      taken.add(items.length - 1);
      w.resolve(item);
    },
    /** The first item not yet taken that matches; waits up to `timeoutMs` for one to arrive. */
    next(match: (item: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
      const i = items.findIndex((item, n) => !taken.has(n) && match(item));
      if (i >= 0) {
        taken.add(i);
        return Promise.resolve(items[i]!);
      }
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last ones: ${JSON.stringify(items.slice(-5))}`));
        }, timeoutMs);
        const waiter: Waiter<T> = {
          match,
          resolve: (item) => {
            clearTimeout(timer);
            resolve(item);
          },
        };
        waiters.push(waiter);
      });
    },
  };
}

export function recordingPublisher(): { publish: Publisher; published: PublishedSuggestion[]; next: (timeoutMs?: number) => Promise<PublishedSuggestion> } {
  const feed = createFeed<PublishedSuggestion>("a published suggestion");
  return { publish: (s) => feed.push(s), published: feed.items, next: (timeoutMs) => feed.next(undefined, timeoutMs) };
}

/** Records every decision of the engine; `next({sessionId})` awaits the next one for that session. */
export function recordDecisions(engine: SuggestionEngine) {
  const feed = createFeed<Decision>("a suggestion decision");
  engine.onDecision((d) => feed.push(d));
  return {
    all: feed.items,
    next: (filter: Partial<Pick<Decision, "sessionId" | "outcome" | "reason" | "trigger">> = {}, timeoutMs?: number) =>
      feed.next((d) => Object.entries(filter).every(([k, v]) => d[k as keyof Decision] === v), timeoutMs),
  };
}

export interface ActionSpec {
  type?: string;
  url: string;
  title?: string;
  description?: string;
}

let seq = 0;

/**
 * Pushes actions for a session (connector signature: no timestamp window, so a moved clock is fine), as a
 * trusted server-side source: `userId` names the session's user. `gapMs` spaces the actions' own timestamps.
 */
export async function pushActions(baseUrl: string, sessionId: string, specs: readonly ActionSpec[], nowMs = Date.now(), opts: { userId?: string; gapMs?: number } = {}) {
  const gap = (opts.gapMs ?? 1) / 1000;
  const actions = specs.map((s, i) => ({
    type: s.type ?? "pageview",
    title: s.title ?? `Page Load: ${s.url}`,
    description: s.description ?? s.title ?? `User landed on ${s.url}`,
    canonical_url: s.url,
    // Unique per push so a repeated action is a new action, not a duplicate.
    timestamp_start: nowMs / 1000 - (specs.length - 1 - i) * gap + (seq++ % 1000) * 0.000001,
  }));
  const res = await pushEvent(baseUrl, { type: "actions", session_id: sessionId, user_id: opts.userId ?? null, actions }, "connector");
  if (res.status !== 202) throw new Error(`push failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * Stores a pending suggestion and hands it straight to delivery (what the engine does once its gates let one
 * through), for tests of delivery that should not depend on the engine's decisions. Returns its id.
 */
export async function deliverTestSuggestion(server: TestServer, sessionId: string, text: string): Promise<number> {
  const sessionRef = await server.repos.sessions.idByKey("demo", sessionId);
  if (sessionRef === undefined) throw new Error(`no session ${sessionId}: connect a widget or push actions first`);
  const createdAt = server.clock.now();
  const id = await server.repos.suggestions.insert({
    sessionRef, text, normText: text.toLowerCase(), source: "rules", model: "test", signal: null, workflowId: null, stepId: null,
    latencyMs: 0, usage: null, evidence: { indexes: [], actionIds: [] }, status: "pending", modelError: null, createdAt,
  });
  await server.app.services.delivery.publish({
    id, productId: "demo", sessionRef, sessionId, text, source: "rules", model: "test", signal: null,
    createdAt, evidence: [], evidenceActionIds: [],
  });
  return id;
}

/** A page view of the demo's team page: the rules model answers it with the next step of inviting a teammate. */
export const TEAM_PAGE: readonly ActionSpec[] = [{ url: "https://acme.test/settings/team", title: "Page Load: Team", description: "User opened the team settings" }];

/**
 * Connects a widget for the session and pushes the team page for it; resolves with the socket and the
 * suggestion the engine delivers to it (the caller closes the socket).
 */
export async function connectAndSuggest(server: TestServer, sessionId: string, at = Date.now()) {
  const socket = await connectWidget(server.url, { sessionId });
  const created = nextEvent(socket, "suggestion:created");
  await pushActions(server.url, sessionId, TEAM_PAGE, at);
  return { socket, suggestion: await created };
}

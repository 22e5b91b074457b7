/**
 * Live sessions: one card per session with its goal, current page, activity and the context text behind a
 * disclosure. Cards are keyed by session id and updated in place, so a refresh keeps an opened context open
 * and keyboard focus where it was.
 */
import type { AdminSession, AdminSessionsResponse } from "../../server/contracts/admin.js";
import { h, setText } from "../shared/dom.js";
import { ago, plural } from "./format.js";

interface Card {
  li: HTMLLIElement;
  head: HTMLElement;
  facts: HTMLDListElement;
  toggle: HTMLElement;
  text: HTMLPreElement;
  summary: HTMLParagraphElement;
}

function createCard(sessionId: string): Card {
  const head = h("div", { class: "session-head" });
  const facts = h("dl", { class: "facts" });
  const toggle = h("summary");
  const text = h("pre", { class: "context-text" });
  const summary = h("p", { class: "muted context-summary" });
  const details = h("details", {}, toggle, summary, text);
  const li = h("li", { class: "session card", "data-session-id": sessionId }, head, facts, details);
  return { li, head, facts, toggle, text, summary };
}

function fact(term: string, ...value: (Node | string | null)[]): Node[] {
  return [h("dt", {}, term), h("dd", {}, ...value)];
}

function fillCard(card: Card, s: AdminSession, now: string): void {
  card.head.replaceChildren(
    h("span", { class: "sid" }, s.session_id),
    h("span", { class: "muted" }, s.owner_id ? `user ${s.owner_id} (verified)` : s.user_id ? `user ${s.user_id} (unverified)` : "anonymous"),
    h("span", { class: "muted" }, `last seen ${ago(s.last_seen_at, now)}`),
  );
  const page = s.current_page;
  card.facts.replaceChildren(
    ...fact("Goal", s.goal ? h("span", { class: "goal" }, s.goal) : h("span", { class: "empty" }, "not inferred yet"), s.goal_source ? h("span", { class: "tag" }, s.goal_source) : null),
    ...fact("Current page", page ? h("span", { class: "page" }, `${page.title} — ${page.url}`) : h("span", { class: "empty" }, "no actions")),
    ...fact("Activity", `${plural(s.action_count, "action")} · first seen ${ago(s.first_seen_at, now)}`),
    ...fact("Conversation", s.conversation_id ? h("code", {}, s.conversation_id) : h("span", { class: "empty" }, "none yet")),
  );
  const lines = s.text.split("\n").length - 1;
  setText(card.toggle, `Context text (${plural(lines, "action")} in the window)`);
  setText(card.text, s.text);
  card.summary.hidden = s.summary === null;
  setText(card.summary, s.summary ? `Summary of earlier actions: ${s.summary}` : "");
}

export function createSessionsView() {
  const list = h("ol", { class: "sessions", id: "sessions", "aria-label": "Live sessions" });
  const empty = h("p", { class: "empty", hidden: true });
  const el = h("div", {}, empty, list);
  const cards = new Map<string, Card>();

  return {
    el,
    render(data: AdminSessionsResponse): void {
      const focused = document.activeElement;
      const seen = new Set<string>();
      data.sessions.forEach((s, i) => {
        seen.add(s.session_id);
        let card = cards.get(s.session_id);
        if (!card) {
          card = createCard(s.session_id);
          cards.set(s.session_id, card);
        }
        fillCard(card, s, data.now);
        // Move a card only when its place changed (a move drops keyboard focus, restored below).
        if (list.children[i] !== card.li) list.insertBefore(card.li, list.children[i] ?? null);
      });
      for (const [id, card] of cards) {
        if (seen.has(id)) continue;
        card.li.remove();
        cards.delete(id);
      }
      // A card that moved (its session became the most recent) loses focus in the move: give it back.
      if (focused instanceof HTMLElement && focused !== document.activeElement && list.contains(focused)) focused.focus();
      empty.hidden = data.sessions.length > 0;
      setText(empty, `No session was active in the last ${Math.round(data.active_within_ms / 60_000)} minutes.`);
    },
  };
}

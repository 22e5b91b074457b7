/**
 * Search by session id, user or text (goals and conversation messages of the last 7 days), and a
 * conversation view: the thread as the user saw it, with roles and times, and the linked sessions.
 */
import { h, setText } from "../shared/dom.js";
import { AdminApiError, type AdminApi, type Json } from "./api.js";
import { clockTime } from "./format.js";

export function createSearchView() {
  const input = h("input", { id: "search-q", type: "search", placeholder: "session id, user id or text", "aria-label": "Search", minlength: "2" });
  const form = h("form", { class: "search", role: "search" }, input, h("button", { type: "submit" }, "Search"));
  const results = h("div", { id: "search-results", "aria-live": "polite" });
  const conversation = h("section", { id: "conversation", class: "card", hidden: true, tabindex: "-1", "aria-labelledby": "conversation-title" });
  const el = h("div", {}, form, results, conversation);
  let api: AdminApi | undefined;

  async function openConversation(id: string): Promise<void> {
    if (!api) return;
    conversation.hidden = false;
    conversation.replaceChildren(h("h3", { id: "conversation-title" }, `Conversation ${id}`), h("p", { class: "muted" }, "Loading…"));
    try {
      const c = await api.conversation(id);
      const messages = (c.messages as Json[]).map((m) =>
        h("li", { class: `conv-msg ${m.role}` }, h("span", { class: "muted" }, `${m.role} · ${clockTime(m.created_at)}`), h("p", {}, m.text)),
      );
      conversation.replaceChildren(
        h("h3", { id: "conversation-title" }, `Conversation ${c.conversation_id}`),
        h("p", { class: "muted" }, `${c.user_id ? `user ${c.user_id}` : "anonymous"} · sessions: ${(c.sessions as Json[]).map((s) => s.session_id).join(", ")}`),
        messages.length ? h("ol", { class: "conversation" }, ...messages) : h("p", { class: "empty" }, "No messages yet."),
      );
      conversation.focus();
    } catch (err) {
      conversation.replaceChildren(h("p", { class: "error" }, err instanceof AdminApiError ? `${err.code}: ${err.message}` : String(err)));
    }
  }

  const conversationButton = (id: string) => {
    const b = h("button", { type: "button", class: "link" }, id);
    b.addEventListener("click", () => void openConversation(id));
    return b;
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (!api || q.length < 2) {
      results.replaceChildren(h("p", { class: "muted" }, "Type at least 2 characters."));
      return;
    }
    void api.search(q).then(
      (r) => {
        const sessions = (r.sessions as Json[]).map((s) =>
          h("li", {}, h("span", { class: "sid" }, s.session_id), ` ${s.user_id ? `user ${s.user_id}` : "anonymous"} · ${s.goal ?? "no goal"} · `, s.conversation_id ? conversationButton(s.conversation_id) : "no conversation"),
        );
        const messages = (r.messages as Json[]).map((m) => h("li", {}, `${m.role}: `, h("q", {}, m.text), " · ", conversationButton(m.conversation_id)));
        results.replaceChildren(
          h("h3", {}, `Sessions (${sessions.length})`),
          sessions.length ? h("ul", {}, ...sessions) : h("p", { class: "empty" }, "No session matches."),
          h("h3", {}, `Messages (${messages.length})`),
          messages.length ? h("ul", {}, ...messages) : h("p", { class: "empty" }, "No message matches."),
        );
      },
      (err: unknown) => setText(results, err instanceof AdminApiError ? `${err.code}: ${err.message}` : String(err)),
    );
  });

  return {
    el,
    setApi(next: AdminApi | undefined): void {
      api = next;
    },
    openConversation,
  };
}

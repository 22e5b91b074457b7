/**
 * The widget's DOM inside a shadow root: launcher with unread badge, a preview card for proactive
 * suggestions, and the chat panel (thread as an aria-live log, suggestion cards with accept / dismiss,
 * streamed reply drafts, a self-clearing typing indicator, the composer). Text is rendered as text only.
 */
import type { MessageCreated } from "../../../server/contracts/realtime.js";
import { h, setText } from "../../shared/dom.js";
import { STYLES } from "./styles.js";

export type Verdict = "accepted" | "dismissed";

export interface ViewActions {
  send(text: string): void;
  feedback(suggestionId: number, verdict: Verdict): void;
  openChanged(open: boolean): void;
  typing(active: boolean): void;
}

const TYPING_INDICATOR_MAX_MS = 30_000;
const TYPING_IDLE_MS = 2_500;

function launcherIcon(): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
  svg.append(path);
  return svg;
}

export class WidgetView {
  readonly host: HTMLElement;
  private readonly root: ShadowRoot;
  private readonly panel: HTMLElement;
  private readonly thread: HTMLOListElement;
  private readonly launcher: HTMLButtonElement;
  private readonly badge: HTMLElement;
  private readonly typingLine: HTMLElement;
  private readonly status: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly preview: HTMLElement;
  private readonly previewText: HTMLElement;
  private previewSuggestion: number | undefined;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private userTyping = false;
  private unread = 0;

  constructor(private readonly actions: ViewActions) {
    this.host = document.createElement("pilotlight-widget");
    this.root = this.host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = STYLES;

    this.badge = h("span", { class: "pl-badge", "aria-hidden": "true", hidden: true });
    this.launcher = h("button", { class: "pl-launcher", type: "button", "aria-expanded": "false", "aria-label": "Open assistant" }, this.badge);
    this.launcher.prepend(launcherIcon());
    this.launcher.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));

    this.status = h("span", { class: "pl-status", "aria-live": "polite" });
    const closeButton = h("button", { class: "pl-close", type: "button", "aria-label": "Close assistant" }, "×");
    closeButton.addEventListener("click", () => this.close());
    this.thread = h("ol", { class: "pl-thread", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
    this.typingLine = h("div", { class: "pl-typing", role: "status", hidden: true }, "Assistant is typing…");
    this.input = h("textarea", { id: "pl-input", rows: "1", placeholder: "Ask a question…", maxlength: "4000" });
    const send = h("button", { class: "pl-send", type: "submit" }, "Send");
    const composer = h("form", { class: "pl-composer" }, h("label", { class: "pl-sr", for: "pl-input" }, "Message"), this.input, send);
    composer.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => this.noteTyping());
    this.panel = h(
      "section",
      { class: "pl-panel", role: "dialog", "aria-label": "Assistant", hidden: true },
      h("header", { class: "pl-header" }, h("h2", {}, "Assistant"), this.status, closeButton),
      this.thread,
      this.typingLine,
      composer,
    );
    this.panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.close();
    });

    this.previewText = h("p", {});
    const previewClose = h("button", { class: "pl-preview-close", type: "button", "aria-label": "Hide suggestion" }, "×");
    previewClose.addEventListener("click", () => this.hidePreview());
    this.preview = h("div", { class: "pl-preview", role: "status", "aria-live": "polite", hidden: true }, previewClose, this.previewText);

    this.root.append(style, this.preview, this.panel, this.launcher);
  }

  get isOpen(): boolean {
    return !this.panel.hidden;
  }

  mount(): void {
    if (!this.host.isConnected) document.body.append(this.host);
  }

  unmount(): void {
    this.host.remove();
  }

  open(): void {
    if (this.isOpen) return;
    this.panel.hidden = false;
    this.hidePreview();
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.setAttribute("aria-label", "Close assistant");
    this.setUnread(0);
    this.scrollToEnd();
    this.input.focus();
    this.actions.openChanged(true);
  }

  close(): void {
    if (!this.isOpen) return;
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.setUnread(this.unread);
    this.launcher.focus();
    this.actions.openChanged(false);
  }

  setStatus(text: string): void {
    setText(this.status, text);
  }

  setUnread(n: number): void {
    this.unread = n;
    this.badge.hidden = n === 0 || this.isOpen;
    setText(this.badge, n > 99 ? "99+" : String(n));
    if (!this.isOpen) this.launcher.setAttribute("aria-label", n ? `Open assistant (${n} unread)` : "Open assistant");
  }

  /** Shows a stored message in seq order; replaces a pending copy or a streamed draft with the same identity. */
  renderMessage(m: MessageCreated, verdict: Verdict | undefined): void {
    if (m.clientMessageId) this.thread.querySelector(`[data-client-id="${CSS.escape(m.clientMessageId)}"]`)?.remove();
    this.thread.querySelector(`[data-id="${CSS.escape(m.id)}"]`)?.remove();
    const item = h("li", { class: `pl-msg pl-${m.role}`, "data-id": m.id, "data-seq": String(m.seq) });
    if (m.role === "suggestion") item.append(h("span", { class: "pl-label" }, "Suggestion"));
    item.append(h("span", { class: "pl-text" }, m.text));
    if (m.role === "suggestion" && m.suggestionId !== undefined) item.append(this.suggestionControls(m.suggestionId, verdict));
    const after = [...this.thread.querySelectorAll<HTMLElement>("[data-seq]")].find((el) => Number(el.dataset.seq) > m.seq);
    this.thread.insertBefore(item, after ?? this.thread.querySelector(".pl-draft, .pl-pending"));
    if (m.role === "assistant") this.showTyping(false);
    this.scrollToEnd();
  }

  renderPending(clientMessageId: string, text: string): void {
    this.thread.append(h("li", { class: "pl-msg pl-user pl-pending", "data-client-id": clientMessageId }, h("span", { class: "pl-text" }, text)));
    this.scrollToEnd();
  }

  markFailed(clientMessageId: string, retry: () => void): void {
    const item = this.thread.querySelector(`[data-client-id="${CSS.escape(clientMessageId)}"]`);
    if (!item) return;
    item.classList.add("pl-failed");
    const button = h("button", { class: "pl-dismiss", type: "button" }, "Not sent — retry");
    button.addEventListener("click", () => {
      item.classList.remove("pl-failed");
      button.remove();
      retry();
    });
    item.append(h("div", { class: "pl-actions" }, button));
  }

  renderDraft(id: string, text: string): void {
    let item = this.thread.querySelector<HTMLElement>(`[data-draft="${CSS.escape(id)}"]`);
    if (!item) {
      item = h("li", { class: "pl-msg pl-assistant pl-draft", "data-draft": id, "aria-busy": "true" }, h("span", { class: "pl-text" }));
      this.thread.append(item);
    }
    setText(item.querySelector(".pl-text")!, text);
    this.showTyping(false);
    this.scrollToEnd();
  }

  removeDraft(id: string): void {
    this.thread.querySelector(`[data-draft="${CSS.escape(id)}"]`)?.remove();
  }

  /** The "typing" line clears itself: when the reply arrives, or after a bound if it never does. */
  showTyping(on: boolean): void {
    clearTimeout(this.typingTimer);
    this.typingLine.hidden = !on;
    if (on) this.typingTimer = setTimeout(() => (this.typingLine.hidden = true), TYPING_INDICATOR_MAX_MS);
  }

  showPreview(suggestionId: number, text: string, verdict: Verdict | undefined): void {
    if (this.isOpen || verdict) return;
    this.previewSuggestion = suggestionId;
    setText(this.previewText, text);
    this.preview.querySelector(".pl-actions")?.remove();
    this.preview.append(this.suggestionControls(suggestionId, undefined));
    this.preview.hidden = false;
  }

  hidePreview(): void {
    this.preview.hidden = true;
    this.previewSuggestion = undefined;
  }

  markVerdict(suggestionId: number, verdict: Verdict): void {
    for (const box of this.root.querySelectorAll<HTMLElement>(`[data-suggestion="${suggestionId}"]`)) {
      box.replaceChildren(h("span", { class: "pl-verdict" }, verdict === "accepted" ? "Thanks — marked as helpful." : "Dismissed."));
    }
    if (this.previewSuggestion === suggestionId) this.hidePreview();
  }

  /** A suggestion that no longer applies: its buttons go, a note says why, and its preview closes. */
  markRetracted(suggestionId: number): void {
    for (const box of this.root.querySelectorAll<HTMLElement>(`[data-suggestion="${suggestionId}"]`)) {
      box.replaceChildren(h("span", { class: "pl-verdict" }, "Done — no longer needed."));
    }
    if (this.previewSuggestion === suggestionId) this.hidePreview();
  }

  clearThread(): void {
    this.thread.replaceChildren();
  }

  /** Shows nothing of the previous person: thread, suggestion preview, unsent draft, unread count, typing. */
  reset(): void {
    this.clearThread();
    this.hidePreview();
    this.input.value = "";
    this.setUnread(0);
    this.showTyping(false);
  }

  private suggestionControls(suggestionId: number, verdict: Verdict | undefined): HTMLElement {
    const box = h("div", { class: "pl-actions", "data-suggestion": String(suggestionId) });
    if (verdict) {
      box.append(h("span", { class: "pl-verdict" }, verdict === "accepted" ? "Thanks — marked as helpful." : "Dismissed."));
      return box;
    }
    const accept = h("button", { class: "pl-accept", type: "button" }, "Accept");
    const dismiss = h("button", { class: "pl-dismiss", type: "button" }, "Dismiss");
    accept.addEventListener("click", () => this.actions.feedback(suggestionId, "accepted"));
    dismiss.addEventListener("click", () => this.actions.feedback(suggestionId, "dismissed"));
    box.append(accept, dismiss);
    return box;
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.stopTyping();
    this.actions.send(text);
    this.showTyping(true);
  }

  private noteTyping(): void {
    if (!this.userTyping) {
      this.userTyping = true;
      this.actions.typing(true);
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  private stopTyping(): void {
    clearTimeout(this.idleTimer);
    if (this.userTyping) {
      this.userTyping = false;
      this.actions.typing(false);
    }
  }

  private scrollToEnd(): void {
    this.thread.scrollTop = this.thread.scrollHeight;
  }
}

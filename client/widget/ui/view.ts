/**
 * The widget's DOM inside a shadow root: launcher with unread badge, a preview card for proactive
 * suggestions, and the chat panel (thread as an aria-live log, suggestion cards with accept / dismiss,
 * streamed reply drafts, a self-clearing typing indicator, the composer). Text is rendered as text only.
 */
import type { MessageCreated } from "../../../server/contracts/realtime.js";
import { h, setText } from "../../shared/dom.js";
import type { Appearance } from "../options.js";
import { messageBody } from "./message-body.js";
import { STYLES } from "./styles.js";

export type Verdict = "accepted" | "dismissed";

export interface ViewActions {
  send(text: string): void;
  feedback(suggestionId: number, verdict: Verdict): void;
  openChanged(open: boolean): void;
  typing(active: boolean): void;
  /** The user closed the suggestion preview: what it announced counts as seen. */
  previewDismissed(): void;
}

const TYPING_INDICATOR_MAX_MS = 30_000;
const TYPING_IDLE_MS = 2_500;
/** How long the closing motion runs before the panel is hidden. */
const CLOSE_MS = 140;

const CHAT_ICON = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
const CLOSE_ICON = "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z";

function icon(d: string): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", d);
  svg.append(path);
  return svg;
}

const reducedMotion = () => typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;

/** "14:05" in the reader's locale; the full date and time in the element's datetime and title. */
function timestamp(iso: string): HTMLTimeElement | null {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return null;
  return h("time", { class: "pl-time", datetime: at.toISOString(), title: at.toLocaleString() }, at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
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
  private opened = false;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly greeting: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly openIcon = icon(CHAT_ICON);
  private readonly closeIcon = icon(CLOSE_ICON);

  constructor(
    private readonly actions: ViewActions,
    appearance: Appearance,
  ) {
    this.host = document.createElement("pilotlight-widget");
    this.host.setAttribute("data-position", appearance.position);
    // A custom property survives the host's `all: initial`; the page cannot restyle the widget through it.
    this.host.style.setProperty("--pl-accent", appearance.color);
    this.root = this.host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = STYLES;

    this.badge = h("span", { class: "pl-badge", "aria-hidden": "true", hidden: true });
    this.launcher = h("button", { class: "pl-launcher", type: "button", "aria-expanded": "false", "aria-label": `Open ${appearance.title}` }, this.badge);
    this.closeIcon.classList.add("pl-icon-close");
    this.launcher.prepend(this.openIcon, this.closeIcon);
    this.launcher.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));
    this.title = appearance.title;

    this.status = h("span", { class: "pl-status", "aria-live": "polite" });
    const closeButton = h("button", { class: "pl-close", type: "button", "aria-label": `Close ${appearance.title}` }, "×");
    closeButton.addEventListener("click", () => this.close());
    this.thread = h("ol", { class: "pl-thread", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
    // The empty state: a greeting, shown until the first message, and a notice when the widget cannot connect.
    this.greeting = h("div", { class: "pl-greeting" }, h("p", {}, appearance.greeting));
    this.notice = h("p", { class: "pl-notice", role: "status", hidden: true });
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
      { class: "pl-panel", role: "dialog", "aria-label": appearance.title, hidden: true },
      h("header", { class: "pl-header" }, h("h2", {}, appearance.title), this.status, closeButton),
      h("div", { class: "pl-body" }, this.greeting, this.notice, this.thread),
      this.typingLine,
      composer,
    );
    this.panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.close();
    });

    this.previewText = h("p", {});
    const previewClose = h("button", { class: "pl-preview-close", type: "button", "aria-label": "Hide suggestion" }, "×");
    previewClose.addEventListener("click", () => {
      this.hidePreview();
      this.actions.previewDismissed();
    });
    this.preview = h("div", { class: "pl-preview", role: "status", "aria-live": "polite", hidden: true }, previewClose, this.previewText);

    this.root.append(style, this.preview, this.panel, this.launcher);
  }

  private readonly title: string;

  get isOpen(): boolean {
    return this.opened;
  }

  mount(): void {
    if (!this.host.isConnected) document.body.append(this.host);
  }

  unmount(): void {
    this.host.remove();
  }

  open(): void {
    if (this.isOpen) return;
    this.opened = true;
    clearTimeout(this.closeTimer);
    this.panel.classList.remove("pl-leave");
    this.panel.classList.toggle("pl-enter", !reducedMotion());
    this.panel.hidden = false;
    this.host.toggleAttribute("data-open", true);
    this.hidePreview();
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.setAttribute("aria-label", `Close ${this.title}`);
    this.setUnread(0);
    this.scrollToEnd();
    this.input.focus();
    this.actions.openChanged(true);
  }

  close(): void {
    if (!this.isOpen) return;
    this.opened = false;
    this.host.toggleAttribute("data-open", false);
    this.panel.classList.remove("pl-enter");
    if (reducedMotion()) {
      this.panel.hidden = true;
    } else {
      this.panel.classList.add("pl-leave");
      this.closeTimer = setTimeout(() => {
        this.panel.hidden = true;
        this.panel.classList.remove("pl-leave");
      }, CLOSE_MS);
    }
    this.launcher.setAttribute("aria-expanded", "false");
    this.setUnread(this.unread);
    this.launcher.focus();
    this.actions.openChanged(false);
  }

  setStatus(text: string): void {
    setText(this.status, text);
  }

  /** A notice in the panel's body (the widget cannot connect, and why); empty clears it. */
  setNotice(text: string): void {
    setText(this.notice, text);
    this.notice.hidden = text === "";
  }

  setUnread(n: number): void {
    this.unread = n;
    this.badge.hidden = n === 0 || this.isOpen;
    setText(this.badge, n > 99 ? "99+" : String(n));
    if (!this.isOpen) this.launcher.setAttribute("aria-label", n ? `Open ${this.title} (${n} unread)` : `Open ${this.title}`);
  }

  /** Shows a stored message in seq order; replaces a pending copy or a streamed draft with the same identity. */
  renderMessage(m: MessageCreated, verdict: Verdict | undefined): void {
    if (m.clientMessageId) this.thread.querySelector(`[data-client-id="${CSS.escape(m.clientMessageId)}"]`)?.remove();
    this.thread.querySelector(`[data-id="${CSS.escape(m.id)}"]`)?.remove();
    const item = h("li", { class: `pl-msg pl-${m.role}`, "data-id": m.id, "data-seq": String(m.seq) });
    if (m.role === "suggestion") item.append(h("span", { class: "pl-label" }, "Suggestion"));
    const body = h("span", { class: "pl-text" });
    body.append(messageBody(m.text));
    item.append(body, timestamp(m.createdAt) ?? "");
    if (m.role === "suggestion" && m.suggestionId !== undefined) item.append(this.suggestionControls(m.suggestionId, verdict));
    const after = [...this.thread.querySelectorAll<HTMLElement>("[data-seq]")].find((el) => Number(el.dataset.seq) > m.seq);
    this.thread.insertBefore(item, after ?? this.thread.querySelector(".pl-draft, .pl-pending"));
    this.greeting.hidden = true;
    if (m.role === "assistant") this.showTyping(false);
    this.scrollToEnd();
  }

  renderPending(clientMessageId: string, text: string): void {
    this.thread.append(h("li", { class: "pl-msg pl-user pl-pending", "data-client-id": clientMessageId }, h("span", { class: "pl-text" }, text)));
    this.greeting.hidden = true;
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
    this.greeting.hidden = false;
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

/**
 * The widget's controller: joins the connection, the thread and the view, keeps the unread count and
 * suggestion verdicts, and reports what happens to the host page through callbacks and window events.
 */
import type { MessageCreated, SuggestionCreated } from "../../server/contracts/realtime.js";
import { WidgetConnection, type Identity } from "./connection.js";
import { resolveAppearance, type Appearance } from "./options.js";
import { WidgetSession } from "./session.js";
import { Thread } from "./thread.js";
import { WidgetView, type Verdict } from "./ui/view.js";

export interface BootOptions {
  productKey: string;
  endpoint: string;
  userId?: string;
  userHash?: string;
  /** The session to join: the id your source keys actions by (PostHog's `$session_id`, an Autoplay connector's). */
  sessionId?: string;
  /** Look and words (validated; an invalid value is ignored with a console warning). */
  title?: unknown;
  color?: unknown;
  position?: unknown;
  greeting?: unknown;
}

/** What `update` takes: a new identity (or none: signed out), optionally with the new person's session id. */
export interface UpdateOptions {
  userId?: string;
  userHash?: string;
  sessionId?: string;
}

/** How long a message waits for capture.js to deliver the user's latest actions before it is sent anyway. */
const CAPTURE_FLUSH_WAIT_MS = 1500;

export type WidgetEvent = "ready" | "suggestion" | "message" | "open" | "close" | "linked" | "status";
type Listener = (detail: unknown) => void;

const MAX_VERDICTS = 200;

export class PilotlightWidget {
  private readonly thread = new Thread();
  private readonly view: WidgetView;
  private readonly connection: WidgetConnection;
  private readonly listeners = new Map<WidgetEvent, Set<Listener>>();
  private identity: Identity | undefined;
  private readonly session: WidgetSession;
  private readonly verdicts: Map<number, Verdict>;
  /** Suggestions withdrawn by the server while this page was open. */
  private readonly retracted = new Set<number>();
  private readonly keys: { seen: string; verdicts: string };

  constructor(opts: BootOptions) {
    this.keys = { seen: `pilotlight:seen:${opts.productKey}`, verdicts: `pilotlight:verdicts:${opts.productKey}` };
    this.verdicts = new Map(this.load<[number, Verdict][]>(this.keys.verdicts) ?? []);
    this.identity = opts.userId && opts.userHash ? { userId: opts.userId, userHash: opts.userHash } : undefined;
    this.session = new WidgetSession(opts.sessionId, () => this.identity !== undefined, () => this.connection.restart());
    const appearance: Appearance = resolveAppearance({ title: opts.title, color: opts.color, position: opts.position, greeting: opts.greeting });
    this.view = new WidgetView({
      send: (text) => this.send(text),
      feedback: (id, verdict) => void this.feedback(id, verdict),
      openChanged: (open) => {
        if (open) this.markSeen();
        this.emit(open ? "open" : "close", {});
      },
      typing: (active) => this.connection.typing(active),
      previewDismissed: () => this.markSeen(),
    }, appearance);
    this.connection = new WidgetConnection(
      {
        endpoint: opts.endpoint,
        productKey: opts.productKey,
        sessionId: () => this.session.id,
        identity: () => this.identity,
        lastSeq: () => this.thread.lastSeq,
      },
      {
        bound: (b) => {
          this.session.bound = b.sessionId;
          // Every (re)connect starts with session:bound: the widget is ready in that session. A move of a
          // widget that follows its user is not a new start.
          if (b.reason !== "followed") this.emit("ready", { sessionId: b.sessionId });
        },
        forbidden: (reason) => {
          // A session the page named (or PostHog's) that belongs to a signed-in user: the widget recovers, but
          // the integrator must learn why it is not in that session. The tab's own session is just the
          // previous person's: nothing to report.
          if (this.session.source === "explicit" || this.session.source === "posthog") {
            const given = this.session.source === "explicit" ? "data-session-id or boot" : "PostHog's session";
            console.warn(
              `Pilotlight widget: the session it was given (${given}) was refused — ${reason}. It continues in a new session of its own; ` +
                "to join that session, boot the widget as its owner (userId and userHash).",
            );
          }
          // Another user's session or thread (the previous person's in this tab): start afresh, showing nothing of it.
          this.clearThread();
          this.session.abandon();
        },
        linked: (link) => {
          if (this.thread.conversationId !== link.conversationId) {
            this.thread.reset(link.conversationId);
            this.view.clearThread();
          }
          this.emit("linked", link);
          void this.connection.sync();
        },
        message: (m) => this.receive(m),
        delta: (d) => {
          if (d.conversationId !== this.thread.conversationId) return;
          const draft = this.thread.delta(d.id, d.delta);
          if (draft) this.view.renderDraft(draft.id, draft.text);
        },
        suggestion: (s) => this.suggested(s),
        retracted: (r) => {
          this.retracted.add(r.id);
          this.view.markRetracted(r.id);
        },
        status: (state, detail) => {
          this.view.setStatus(state === "online" ? "" : state === "refused" ? "unavailable" : state === "offline" ? "reconnecting…" : "connecting…");
          this.view.setNotice(
            state === "refused"
              ? `The assistant can't connect on this page${detail ? ` (${detail.split(":")[0]})` : ""}. The site's developers can see why in the browser console.`
              : "",
          );
          this.emit("status", { state, detail });
        },
      },
    );
  }

  boot(): void {
    this.view.mount();
    this.session.start();
    this.connection.connect();
  }

  /**
   * A sign-in, a sign-out (`update({})`) or another user. Signing in keeps the anonymous thread (the server
   * adopts it with its token); signing out or switching users rotates the session and forgets the thread,
   * so the next person in this tab sees nothing of the previous one's.
   */
  update(options: UpdateOptions): void {
    const next = options.userId && options.userHash ? { userId: options.userId, userHash: options.userHash } : undefined;
    if (next?.userId === this.identity?.userId) {
      // The same person: only a new session id from the page, if any.
      if (options.sessionId && options.sessionId !== this.session.id) {
        this.session.rename(options.sessionId);
        this.connection.restart();
      }
      return;
    }
    const signingIn = this.identity === undefined;
    this.identity = next;
    tellCapture(next);
    this.connection.disconnect(!signingIn);
    if (!signingIn) this.forgetPerson(options.sessionId);
    else if (options.sessionId) this.session.rename(options.sessionId);
    this.connection.connect();
  }

  /** Removes the widget, rotates the session and forgets the conversation: call it on sign-out. */
  shutdown(): void {
    this.connection.disconnect(true);
    if (this.identity) tellCapture(undefined);
    this.forgetPerson(undefined);
    this.session.stop();
    this.view.unmount();
  }

  open(): void {
    this.view.open();
  }

  /** Nothing of the previous person stays: their session, thread, unread mark and verdicts. */
  private forgetPerson(sessionId: string | undefined): void {
    this.clearThread();
    for (const key of [this.keys.seen, this.keys.verdicts]) this.remove(key);
    this.verdicts.clear();
    this.retracted.clear();
    this.session.rotate(sessionId);
  }

  private clearThread(): void {
    this.thread.reset(undefined);
    this.view.reset();
  }

  close(): void {
    this.view.close();
  }

  on(event: WidgetEvent, listener: Listener): void {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(listener);
  }

  private emit(event: WidgetEvent, detail: unknown): void {
    for (const l of this.listeners.get(event) ?? []) {
      try {
        l(detail);
      } catch {
        /* a host page callback must not break the widget */
      }
    }
    window.dispatchEvent(new CustomEvent(`pilotlight:${event}`, { detail }));
  }

  private receive(m: MessageCreated): void {
    if (!this.thread.conversationId) this.thread.conversationId = m.conversationId;
    if (!this.thread.add(m)) return;
    this.view.removeDraft(m.id);
    this.view.renderMessage(m, m.suggestionId !== undefined ? this.verdicts.get(m.suggestionId) : undefined);
    if (m.suggestionId !== undefined && this.retracted.has(m.suggestionId)) this.view.markRetracted(m.suggestionId);
    if (this.view.isOpen) this.markSeen();
    else this.view.setUnread(this.unreadCount());
    this.emit("message", m);
  }

  private suggested(s: SuggestionCreated): void {
    this.view.showPreview(s.id, s.text, this.verdicts.get(s.id));
    this.emit("suggestion", s);
  }

  private send(text: string): void {
    const clientMessageId = `c_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`;
    this.view.renderPending(clientMessageId, text);
    const attempt = async () => {
      // The answer should see the page the user is on now: let capture.js deliver what it still holds first.
      await this.flushCapture();
      const ack = await this.connection.send(clientMessageId, text);
      if (!ack.ok) {
        this.view.showTyping(false);
        this.view.markFailed(clientMessageId, () => void attempt());
      }
    };
    void attempt();
  }

  private flushCapture(): Promise<void> {
    const capture = (window as { PilotlightCapture?: { flush?: () => Promise<void> } }).PilotlightCapture;
    if (!capture?.flush) return Promise.resolve();
    return Promise.race([capture.flush().catch(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, CAPTURE_FLUSH_WAIT_MS))]);
  }

  private async feedback(suggestionId: number, verdict: Verdict): Promise<void> {
    const ack = await this.connection.feedback(suggestionId, verdict);
    if (!ack.ok && ack.error.code !== "unknown_suggestion") return;
    this.verdicts.set(suggestionId, verdict);
    this.save(this.keys.verdicts, [...this.verdicts].slice(-MAX_VERDICTS));
    this.view.markVerdict(suggestionId, verdict);
    if (verdict === "accepted") this.open();
  }

  private unreadCount(): number {
    const seen = this.load<number>(this.keys.seen) ?? 0;
    return this.thread.messages().filter((m) => m.role !== "user" && m.seq > seen).length;
  }

  private markSeen(): void {
    this.save(this.keys.seen, this.thread.lastSeq);
    this.view.setUnread(0);
  }

  private load<T>(key: string): T | undefined {
    try {
      const raw = localStorage.getItem(key);
      return raw ? (JSON.parse(raw) as T) : undefined;
    } catch {
      return undefined;
    }
  }

  private remove(key: string): void {
    try {
      localStorage.removeItem(key);
    } catch {
      /* storage disabled */
    }
  }

  private save(key: string, value: unknown): void {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch {
      /* storage disabled */
    }
  }
}

/** capture.js (when on the page) tags what follows with the widget's identity, or with none after sign-out. */
function tellCapture(identity: Identity | undefined): void {
  const capture = (window as { PilotlightCapture?: { identify?: (id: string | null, hash?: string) => void } }).PilotlightCapture;
  capture?.identify?.(identity?.userId ?? null, identity?.userHash);
}

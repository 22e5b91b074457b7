/**
 * Which session the widget joins (PROTOCOL.md §3.3), from the first source that has one:
 * 1. `explicit` — the id the page gave (`boot({sessionId})`, `data-session-id`): e.g. an Autoplay connector's.
 * 2. `posthog` — posthog-js on the page: PostHog's current session id, following its rotation (`onSessionId`).
 * 3. `pilotlight` — the browser session shared with capture.js (sessionStorage, see shared/browser-session.ts).
 * 4. `server` — none of those and a verified user: the widget names no session, and the server binds it to
 *    the user's most recently active one (announced with `session:bound`) and follows the user.
 * An anonymous widget always names one (its own pilotlight session when nothing else is there).
 *
 * On sign-out or a change of user (`rotate`) the previous person's session is never reused: the pilotlight
 * session rotates (capture.js follows), an explicit id is dropped unless a new one is given, and PostHog's id
 * is used again only once PostHog has rotated it (`posthog.reset()`).
 */
import { currentSession, hasSession, rotateSession, SESSION_EVENT } from "../shared/browser-session.js";

export type SessionSource = "explicit" | "posthog" | "pilotlight" | "server";

/** What the widget uses of posthog-js (duck-typed: the widget does not bundle it). */
interface PosthogLike {
  get_session_id?: () => unknown;
  onSessionId?: (callback: (sessionId: unknown) => void) => unknown;
}

interface CaptureLike {
  sessionId?: () => string;
  rotate?: () => string;
}

const capture = () => (window as { PilotlightCapture?: CaptureLike }).PilotlightCapture;
const posthog = (): PosthogLike | undefined => {
  const p = (window as { posthog?: PosthogLike }).posthog;
  return p && typeof p.get_session_id === "function" ? p : undefined;
};
const validId = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" && v.length <= 256 ? v.trim() : undefined);

export class WidgetSession {
  source: SessionSource = "pilotlight";
  /** The id the handshake names; undefined lets the server choose (verified widgets only). */
  id: string | undefined;
  /** What the server said the widget is bound to (session:bound). */
  bound: string | undefined;
  private explicit: string | undefined;
  /** A PostHog session id that belonged to the previous person: not used again. */
  private stalePosthog: string | undefined;
  private subscribed = false;
  private rotating = false;
  private readonly onPilotlightSession = (e: Event) => {
    const id = (e as CustomEvent<{ sessionId?: string }>).detail?.sessionId;
    if (this.rotating || !id || id === this.id) return;
    // capture.js made or rotated the shared session: a widget on it (or on none yet) moves along.
    if (this.source === "pilotlight" || this.source === "server") this.switchTo("pilotlight", id);
  };

  constructor(
    explicit: string | undefined,
    private readonly verified: () => boolean,
    /** Told when the id changes on its own (PostHog or capture.js rotated): the widget reconnects. */
    private readonly onChange: () => void,
  ) {
    this.explicit = validId(explicit);
  }

  start(): void {
    window.addEventListener(SESSION_EVENT, this.onPilotlightSession);
    this.resolve();
    this.subscribePosthog();
  }

  stop(): void {
    window.removeEventListener(SESSION_EVENT, this.onPilotlightSession);
  }

  /** A new person in the tab: never the previous one's session. `explicit` is the id the page gave with it. */
  rotate(explicit?: string): void {
    const previous = this.source === "posthog" ? this.id : undefined;
    this.rotating = true;
    try {
      const c = capture();
      if (c?.rotate) c.rotate();
      else rotateSession(Date.now());
    } finally {
      this.rotating = false;
    }
    this.explicit = validId(explicit);
    this.stalePosthog = previous ?? this.stalePosthog;
    this.bound = undefined;
    this.resolve();
  }

  /** The page names the session to join (the same person moved on, e.g. a new connector session). */
  rename(explicit: string): void {
    this.explicit = validId(explicit);
    this.bound = undefined;
    this.resolve();
  }

  /** The server refused this session (it belongs to someone else): take a fresh one of our own. */
  abandon(): void {
    if (this.source === "posthog") this.stalePosthog = this.id;
    this.explicit = undefined;
    this.rotate();
  }

  private resolve(): void {
    if (this.explicit) return this.set("explicit", this.explicit);
    const fromPosthog = validId(posthog()?.get_session_id?.());
    if (fromPosthog && fromPosthog !== this.stalePosthog) return this.set("posthog", fromPosthog);
    const fromCapture = validId(capture()?.sessionId?.());
    if (fromCapture) return this.set("pilotlight", fromCapture);
    if (this.verified() && !hasSession(Date.now())) return this.set("server", undefined);
    this.set("pilotlight", currentSession(Date.now(), false));
  }

  private set(source: SessionSource, id: string | undefined): void {
    this.source = source;
    this.id = id;
  }

  private switchTo(source: SessionSource, id: string): void {
    this.set(source, id);
    this.bound = undefined;
    this.onChange();
  }

  /** posthog-js may load after the widget: its first id (and every rotation) arrives through onSessionId. */
  private subscribePosthog(): void {
    const p = (window as { posthog?: PosthogLike }).posthog;
    if (this.subscribed || typeof p?.onSessionId !== "function") return;
    this.subscribed = true;
    p.onSessionId((raw) => {
      const id = validId(raw);
      if (!id || id === this.id || id === this.stalePosthog || this.explicit) return;
      this.switchTo("posthog", id);
    });
  }
}

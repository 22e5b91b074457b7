/**
 * The browser session id, shared with capture.js: both read and write `sessionStorage["pilotlight:session"]`
 * as `{id, lastActivity}` and rotate it after 30 idle minutes, so actions and chat land in one session
 * whichever script loads first. A new id is announced with a `pilotlight:session` window event whose
 * detail is `{sessionId}`.
 */
export const SESSION_KEY = "pilotlight:session";
export const SESSION_EVENT = "pilotlight:session";
const IDLE_MS = 30 * 60 * 1000;

interface Stored {
  id: string;
  lastActivity: number;
}

function randomId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `ps_${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function read(): Stored | undefined {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    const v = raw ? (JSON.parse(raw) as Partial<Stored>) : undefined;
    return v && typeof v.id === "string" && typeof v.lastActivity === "number" ? { id: v.id, lastActivity: v.lastActivity } : undefined;
  } catch {
    return undefined;
  }
}

/** The current session id, creating or rotating it as capture.js would; `touch` marks activity. */
export function currentSessionId(now = Date.now()): string {
  const capture = (window as { PilotlightCapture?: { sessionId?: () => string } }).PilotlightCapture;
  const fromCapture = capture?.sessionId?.();
  if (fromCapture) return fromCapture;
  let stored = read();
  if (!stored || now - stored.lastActivity > IDLE_MS) {
    stored = { id: randomId(), lastActivity: now };
    try {
      window.dispatchEvent(new CustomEvent(SESSION_EVENT, { detail: { sessionId: stored.id } }));
    } catch {
      /* old browsers: the id is still stored below */
    }
  }
  stored.lastActivity = now;
  try {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(stored));
  } catch {
    /* storage disabled: the id lives for this page only */
  }
  return stored.id;
}

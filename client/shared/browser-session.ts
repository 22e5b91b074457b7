/**
 * The browser session id shared by capture.js and widget.js: both read and write
 * `sessionStorage["pilotlight:session"]` as `{id, lastActivity}`, so actions and chat land in one session
 * whichever script loads first. It rotates after 30 idle minutes, and on sign-out (the widget's `update` to
 * another identity, `shutdown`). Every new id is announced with a `pilotlight:session` window event whose
 * detail is `{sessionId}`. Storage can be unavailable (sandboxed frames, strict privacy modes); the session
 * then lives in memory for the page's lifetime.
 *
 * The id is a bearer secret (PROTOCOL.md §3.3): 128 random bits from the browser's CSPRNG.
 */
const SESSION_KEY = "pilotlight:session";
export const SESSION_EVENT = "pilotlight:session";
const IDLE_MS = 30 * 60 * 1000;

interface StoredSession {
  id: string;
  lastActivity: number;
}

let memory: StoredSession | undefined;

function read(): StoredSession | undefined {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    const parsed = raw ? (JSON.parse(raw) as Partial<StoredSession>) : undefined;
    if (parsed && typeof parsed.id === "string" && typeof parsed.lastActivity === "number") return { id: parsed.id, lastActivity: parsed.lastActivity };
  } catch {
    // Unavailable or corrupt storage: fall back to memory.
  }
  return memory;
}

function write(session: StoredSession): void {
  memory = session;
  try {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  } catch {
    // Memory keeps it.
  }
}

/** `ps_` and 32 hex digits: 128 random bits. */
export function newSessionId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `ps_${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function start(now: number): string {
  const session = { id: newSessionId(), lastActivity: now };
  write(session);
  try {
    window.dispatchEvent(new CustomEvent(SESSION_EVENT, { detail: { sessionId: session.id } }));
  } catch {
    // Old browsers: the id is stored all the same.
  }
  return session.id;
}

/**
 * The current session id, created (or rotated after 30 idle minutes) when needed. `activity` marks the user
 * as active now (events do; merely asking does not), so an idle session rotates on the first action after.
 */
export function currentSession(now: number, activity: boolean): string {
  const session = read();
  if (!session || now - session.lastActivity > IDLE_MS) return start(now);
  if (activity) write({ id: session.id, lastActivity: now });
  return session.id;
}

/** Whether this tab already has a live session (capture.js or the widget made one). */
export function hasSession(now: number): boolean {
  const session = read();
  return session !== undefined && now - session.lastActivity <= IDLE_MS;
}

/** Starts a new session now (the next person in the tab must not continue the previous one's). */
export function rotateSession(now: number): string {
  return start(now);
}

/**
 * The capture session: an id in sessionStorage (`pilotlight:session` = {id, lastActivity}) that rotates
 * after 30 minutes without activity. Every new id is announced with a `pilotlight:session` window event
 * (detail `{sessionId}`) so the widget can follow it. Storage can be unavailable (sandboxed frames,
 * strict privacy modes); the session then lives in memory for the page's lifetime.
 */
export const SESSION_KEY = "pilotlight:session";
export const IDLE_MS = 30 * 60 * 1000;

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

function newId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `ps_${Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("")}`;
}

/**
 * The current session id. `activity` marks the user as active now (events do; merely asking does not),
 * so an idle session rotates on the first action after 30 minutes.
 */
export function currentSession(now: number, activity: boolean): string {
  let session = read();
  if (!session || now - session.lastActivity > IDLE_MS) {
    session = { id: newId(), lastActivity: now };
    write(session);
    window.dispatchEvent(new CustomEvent("pilotlight:session", { detail: { sessionId: session.id } }));
  } else if (activity) {
    write({ id: session.id, lastActivity: now });
  }
  return session.id;
}

/** The admin token, kept for this tab only (sessionStorage); storage that is switched off keeps it in memory. */
const KEY = "pilotlight:admin-token";
let memory: string | null = null;

export const tokenStore = {
  get(): string | null {
    try {
      return sessionStorage.getItem(KEY);
    } catch {
      return memory;
    }
  },
  set(token: string): void {
    memory = token;
    try {
      sessionStorage.setItem(KEY, token);
    } catch {
      // Storage refused (private mode, quota): the in-memory copy lasts until the page is closed.
    }
  },
  clear(): void {
    memory = null;
    try {
      sessionStorage.removeItem(KEY);
    } catch {
      // Nothing stored.
    }
  },
};

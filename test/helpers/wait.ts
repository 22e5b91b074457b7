/**
 * Awaiting things in tests without fixed sleeps: a condition polled until it holds (or a clear timeout
 * error naming what was awaited), and a promise raced against a timeout.
 */

export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  /** Named in the timeout error; a function is asked at that moment (to describe what is missing). */
  what: string | (() => string),
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "function" ? what() : what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function withTimeout<T>(promise: Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
    }),
  ]);
}

/** Resolves with the next value a subscribe-style API (`on(listener) → unsubscribe`) delivers. */
export function nextFrom<T>(subscribe: (listener: (value: T) => void) => () => void, what: string, timeoutMs = 10_000): Promise<T> {
  let unsubscribe: (() => void) | undefined;
  const next = new Promise<T>((resolve) => {
    unsubscribe = subscribe((value) => {
      unsubscribe?.();
      resolve(value);
    });
  });
  return withTimeout(next, what, timeoutMs).finally(() => unsubscribe?.());
}

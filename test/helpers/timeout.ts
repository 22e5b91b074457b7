/** Awaits a promise, failing with a message naming what was awaited if it takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the next value a subscribe-style API (`on(listener) → unsubscribe`) delivers. */
export function nextEvent<T>(subscribe: (listener: (value: T) => void) => () => void, ms: number, what: string): Promise<T> {
  let unsubscribe: (() => void) | undefined;
  const next = new Promise<T>((resolve) => {
    unsubscribe = subscribe((value) => {
      unsubscribe?.();
      resolve(value);
    });
  });
  return withTimeout(next, ms, what).finally(() => unsubscribe?.());
}

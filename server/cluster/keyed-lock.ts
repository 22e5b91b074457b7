/**
 * KeyedLock: single flight per key across instances ("one evaluation in flight per session", "one chat
 * reply at a time per conversation"). `acquire` either takes the key for at most `ttlMs` or answers null at
 * once (the caller decides whether to retry, queue or skip). The holder is an owner token: release and
 * extend act only while the key is still that owner's, so a holder whose lock expired and was taken by
 * someone else cannot release the new holder's lock. The TTL bounds how long a crashed holder blocks a key.
 */

export interface HeldLock {
  readonly key: string;
  /** Unique per acquisition. */
  readonly owner: string;
  /** Frees the key if it is still ours; false when it had expired (and maybe been taken) meanwhile. */
  release(): Promise<boolean>;
  /** Pushes the expiry to `ttlMs` from now if the key is still ours; false otherwise. */
  extend(ttlMs: number): Promise<boolean>;
}

export interface KeyedLock {
  acquire(key: string, ttlMs: number): Promise<HeldLock | null>;
}

const KEY = /^[\x21-\x7e]{1,512}$/;

/** Keys are built by our code from ids; a bad one is a bug, refused before any state exists. */
export function checkLockKey(key: string, ttlMs: number): void {
  if (!KEY.test(key)) throw new Error("lock key must be 1-512 printable ASCII characters without spaces");
  if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new Error("lock ttlMs must be a positive integer");
}

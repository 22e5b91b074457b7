/**
 * What the soak counts: answers by driver and status, 5xx, unexpected errors, and the actions each source
 * acknowledged (a 2xx's `accepted`), to compare with what SQLite holds afterwards.
 */

export type Source = "push" | "capture" | "posthog";

export class Tally {
  readonly statuses = new Map<string, Map<number, number>>();
  readonly serverErrors: string[] = [];
  readonly failures: string[] = [];
  readonly acked: Record<Source, number> = { push: 0, capture: 0, posthog: 0 };
  readonly counts = new Map<string, number>();

  /** One HTTP answer; a 5xx is always a failure, whoever sent the request. */
  status(driver: string, status: number, detail = ""): void {
    let byStatus = this.statuses.get(driver);
    if (!byStatus) this.statuses.set(driver, (byStatus = new Map()));
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    if (status >= 500) this.serverErrors.push(`${driver}: ${status} ${detail.slice(0, 200)}`);
  }

  /** Something that must not happen (a lost message, an unexpected status, a dropped socket). */
  fail(driver: string, what: string): void {
    if (this.failures.length < 1000) this.failures.push(`${driver}: ${what.slice(0, 300)}`);
  }

  ack(source: Source, accepted: number): void {
    this.acked[source] += accepted;
  }

  count(what: string, n = 1): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + n);
  }

  total(): number {
    let n = 0;
    for (const byStatus of this.statuses.values()) for (const c of byStatus.values()) n += c;
    return n;
  }

  /** `driver  200×120 401×3` lines. */
  summary(): string[] {
    return [...this.statuses]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([driver, byStatus]) => `  ${driver.padEnd(22)} ${[...byStatus].sort(([a], [b]) => a - b).map(([s, c]) => `${s}×${c}`).join(" ")}`);
  }
}

/** Runs `task` every `everyMs` until `stop` is aborted; a throw is the task's to report, never fatal here. */
export async function every(everyMs: number, stop: AbortSignal, task: () => Promise<void>): Promise<void> {
  while (!stop.aborted) {
    const started = Date.now();
    try {
      await task();
    } catch {
      // Each task reports its own failures to the tally.
    }
    const wait = everyMs - (Date.now() - started);
    if (wait > 0 && !stop.aborted) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

export const randomText = (n: number) => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
};

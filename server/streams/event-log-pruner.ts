/**
 * Retention of the outbound event log (STREAM_RETENTION_HOURS): deletes expired entries in the background,
 * in small batches with a yield between them, so a large backlog never holds the single SQLite writer for
 * long. The timer is unref'd and stops on close.
 */
import type { AsyncEventLogRepository } from "../../db/store.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import { startTimer } from "../timers.js";

export interface PrunerDeps {
  eventLog: AsyncEventLogRepository;
  clock: Clock;
  logger: Logger;
  retentionMs: number;
  intervalMs?: number;
  batch?: number;
}

export function createEventLogPruner(deps: PrunerDeps) {
  const intervalMs = deps.intervalMs ?? 60_000;
  const batch = deps.batch ?? 500;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let total = 0;

  const pruneBatch = (): Promise<number> => deps.eventLog.pruneBatch(deps.clock.now() - deps.retentionMs, batch);

  function schedule(delayMs: number, fn: () => void): void {
    if (stopped) return;
    timer = startTimer(fn, delayMs);
  }

  async function tick(pruned = 0): Promise<void> {
    let n = 0;
    try {
      n = await pruneBatch();
    } catch (err) {
      deps.logger.error({ err }, "event log pruning failed");
    }
    total += n;
    if (n === batch) {
      schedule(0, () => void tick(pruned + n));
      return;
    }
    if (pruned + n > 0) deps.logger.debug({ pruned: pruned + n }, "event log: expired entries deleted");
    schedule(intervalMs, () => void tick());
  }

  return {
    /** Startable again after stop(): it runs on the leader only, for as long as it leads (app.ts). */
    start(): void {
      stopped = false;
      if (timer) clearTimeout(timer);
      schedule(Math.min(1_000, intervalMs), () => void tick());
    },
    /** Deletes everything expired now, batch by batch; returns how many entries went. */
    async pruneNow(): Promise<number> {
      let pruned = 0;
      for (let n = batch; n === batch; pruned += n) n = await pruneBatch();
      total += pruned;
      return pruned;
    },
    stats: () => ({ pruned: total }),
    stop(): void {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

export type EventLogPruner = ReturnType<typeof createEventLogPruner>;

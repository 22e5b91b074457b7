/**
 * The retention job: every RETENTION_INTERVAL_MS it purges what is older than RETENTION_DAYS with the
 * rules of db/retention.repository.ts, in batches of RETENTION_BATCH_SIZE rows. Each batch is its own short
 * transaction and the job yields to the event loop (setImmediate) after each, so ingestion — which commits
 * on the same connection — is never held up for more than one small batch.
 */
import type { AsyncRetentionRepository } from "../../db/store.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { startTimer } from "../timers.js";

const DAY_MS = 86_400_000;
/** However long the interval, the first run comes soon after start, so frequent restarts still purge. */
const FIRST_RUN_MAX_DELAY_MS = 60_000;

export interface RetentionSettings {
  /** 0 turns the job off. */
  days: number;
  intervalMs: number;
  batchSize: number;
}

export interface RetentionReport {
  /** Rows older than this (wall-clock ms) were purged. */
  horizon: number;
  deleted: Record<string, number>;
  batches: number;
  /** Wall time of the run, batches and the yields between them included. */
  durationMs: number;
  /** False when the run was cut short by stop() or an error. */
  complete: boolean;
}

export interface RetentionDeps {
  retention: AsyncRetentionRepository;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  settings: RetentionSettings;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createRetentionJob(deps: RetentionDeps) {
  const { retention, clock, logger, metrics, settings } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<RetentionReport> | undefined;
  let stopped = false;
  const listeners = new Set<(report: RetentionReport) => void>();

  async function purge(): Promise<RetentionReport> {
    // RETENTION_DAYS=0 means keep forever — never "purge everything older than now".
    if (settings.days <= 0) return { horizon: Number.NEGATIVE_INFINITY, deleted: {}, batches: 0, durationMs: 0, complete: true };
    const started = performance.now();
    const horizon = clock.now() - settings.days * DAY_MS;
    const report: RetentionReport = { horizon, deleted: {}, batches: 0, durationMs: 0, complete: false };
    try {
      const tables = await retention.tables();
      for (const table of tables) report.deleted[table] = 0;
      // Round-robin, one batch per table per round, until a round finds nothing: parents are purged right
      // behind their children, and every batch is followed by a yield so ingestion gets its turn.
      let deletedInRound: number;
      do {
        deletedInRound = 0;
        for (const table of tables) {
          if (stopped) {
            metrics.retentionRuns.inc({ result: "stopped" });
            report.durationMs = performance.now() - started;
            return report;
          }
          const n = await retention.purgeBatch(table, horizon, settings.batchSize);
          report.batches += 1;
          report.deleted[table] = (report.deleted[table] ?? 0) + n;
          deletedInRound += n;
          if (n > 0) metrics.retentionDeleted.inc({ table }, n);
          await yieldToEventLoop();
        }
      } while (deletedInRound > 0);
    } catch (err) {
      // Logged and retried at the next interval; what was deleted so far stays deleted (each batch committed).
      logger.error({ err, deleted: report.deleted }, "retention run failed");
      metrics.retentionRuns.inc({ result: "error" });
      report.durationMs = performance.now() - started;
      return report;
    }
    report.complete = true;
    report.durationMs = performance.now() - started;
    metrics.retentionRuns.inc({ result: "ok" });
    metrics.retentionLastRun.set(clock.now() / 1000);
    const total = Object.values(report.deleted).reduce((a, b) => a + b, 0);
    if (total > 0) {
      logger.info(
        { horizon: new Date(horizon).toISOString(), deleted: report.deleted, batches: report.batches, ms: Math.round(report.durationMs) },
        "retention purged old data",
      );
    }
    for (const listener of listeners) listener(report);
    return report;
  }

  /** Runs one purge now; a call while a run is under way joins that run. */
  function runOnce(): Promise<RetentionReport> {
    running ??= purge().finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule(delay: number): void {
    // Unref'd: the job never keeps the process alive on its own.
    timer = startTimer(() => {
      void runOnce().finally(() => {
        if (!stopped) schedule(settings.intervalMs);
      });
    }, delay);
  }

  return {
    /** Starts the periodic job (no-op when RETENTION_DAYS is 0); on the leader only (app.ts). */
    start(): void {
      if (settings.days <= 0 || timer) return;
      // Startable again after stop(): a leader that lost its lease and got it back runs the job again.
      stopped = false;
      schedule(Math.min(settings.intervalMs, FIRST_RUN_MAX_DELAY_MS));
    },
    runOnce,
    /** Stops the timer and waits for a run under way to stop at its next batch boundary. */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
    /** Called after each complete run (tests and the admin page). Returns the unsubscribe function. */
    onRun(listener: (report: RetentionReport) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type RetentionJob = ReturnType<typeof createRetentionJob>;

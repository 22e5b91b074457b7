/**
 * LeaderLease: work that one instance of a deployment must do alone (retention, event-log pruning, the
 * connector subscription, the pending-suggestion sweep). `runAsLeader(name, loop)` keeps trying to hold the
 * lease called `name`; each time it gets it, `loop` runs with a term whose `signal` aborts when the lease is
 * lost (not renewed in time, taken over) or the run is stopped. The loop must stop promptly when it aborts.
 *
 * A term's `token` grows with every acquisition of that lease in the deployment (a fencing token): a writer
 * that carries it can be told apart from a newer holder after a pause. A loop that returns on its own ends
 * its work but not the term: the lease is still held until lost or stopped, so no other instance repeats it.
 */

export interface LeaderTerm {
  /** Increases with every acquisition of this lease, across instances. */
  readonly token: number;
  /** Aborted when the lease is lost or the run is stopped. */
  readonly signal: AbortSignal;
}

export type LeaderLoop = (term: LeaderTerm) => Promise<void> | void;

export interface LeaderRun {
  /** Whether this instance holds the lease now. */
  isLeader(): boolean;
  /** Ends the current term (its loop is awaited), releases the lease and stops trying. */
  stop(): Promise<void>;
}

export interface LeaderLease {
  runAsLeader(name: string, loop: LeaderLoop): LeaderRun;
}

/** Resolves when `signal` aborts (at once if it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

/**
 * A leader loop for a job with start/stop: started when the term begins, stopped (and awaited) when it ends.
 * The job must accept start() again after stop(): another term may follow a lost one.
 */
export function whileLeader(job: { start(): void; stop(): Promise<void> | void }): LeaderLoop {
  return async (term) => {
    job.start();
    await aborted(term.signal);
    await job.stop();
  };
}

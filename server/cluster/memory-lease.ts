/**
 * In-process leases. With one app per process (what `npm start` runs) its runs are always the leader. Apps
 * sharing one hub (contract tests) take turns like instances do over Redis: one holder per name, the next
 * run waiting takes over when the holder stops. There is no TTL: a process that dies takes its hub with it.
 */
import type { Logger } from "../logger.js";
import type { LeaderLease, LeaderLoop, LeaderRun } from "./leader-lease.js";

interface Waiter {
  take(token: number): void;
}

interface LeaseState {
  holder: Waiter | undefined;
  token: number;
  waiting: Waiter[];
}

export interface MemoryLeaseHub {
  leases: Map<string, LeaseState>;
}

export const createMemoryLeaseHub = (): MemoryLeaseHub => ({ leases: new Map() });

export function createMemoryLease(hub: MemoryLeaseHub, logger: Logger): LeaderLease {
  const stateOf = (name: string): LeaseState => {
    let s = hub.leases.get(name);
    if (!s) hub.leases.set(name, (s = { holder: undefined, token: 0, waiting: [] }));
    return s;
  };

  return {
    runAsLeader(name: string, loop: LeaderLoop): LeaderRun {
      const state = stateOf(name);
      let stopped = false;
      let term: { controller: AbortController; done: Promise<void> } | undefined;
      const self: Waiter = {
        take(token) {
          state.holder = self;
          const controller = new AbortController();
          const done = (async () => {
            try {
              await loop({ token, signal: controller.signal });
            } catch (err) {
              logger.error({ err, lease: name }, "leader loop failed");
            }
          })();
          term = { controller, done };
        },
      };
      // Synchronous when free: a single process starts its jobs exactly when it did before leases existed.
      if (state.holder === undefined) self.take(++state.token);
      else state.waiting.push(self);

      return {
        isLeader: () => state.holder === self && !stopped,
        async stop() {
          if (stopped) return;
          stopped = true;
          state.waiting = state.waiting.filter((w) => w !== self);
          if (!term) return;
          term.controller.abort();
          await term.done;
          state.holder = undefined;
          const next = state.waiting.shift();
          if (next) next.take(++state.token);
        },
      };
    },
  };
}

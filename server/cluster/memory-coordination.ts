/**
 * The default: everything in process. A hub is what instances would share; `createMemoryCoordination()`
 * makes a fresh hub, so one app is one deployment — always the leader, counters its own, exactly what
 * Pilotlight did before it could scale out. Tests join several instances to one hub to run the contract.
 */
import { hostname } from "node:os";
import { createMemoryRateLimitStore } from "../limits/rate-limit-store.js";
import type { Logger } from "../logger.js";
import type { Coordination } from "./coordination.js";
import { createMemoryBus, createMemoryBusHub, type MemoryBusHub } from "./memory-bus.js";
import { createMemoryLease, createMemoryLeaseHub, type MemoryLeaseHub } from "./memory-lease.js";
import { createMemoryLock, createMemoryLockHub, type MemoryLockHub } from "./memory-lock.js";

export interface MemoryHub {
  bus: MemoryBusHub;
  leases: MemoryLeaseHub;
  locks: MemoryLockHub;
}

export const createMemoryHub = (): MemoryHub => ({ bus: createMemoryBusHub(), leases: createMemoryLeaseHub(), locks: createMemoryLockHub() });

export const defaultInstanceId = (): string => `${hostname()}-${process.pid}`;

export function createMemoryCoordination(logger: Logger, options: { hub?: MemoryHub; instanceId?: string } = {}): Coordination {
  const hub = options.hub ?? createMemoryHub();
  return {
    mode: "memory",
    instanceId: options.instanceId ?? defaultInstanceId(),
    bus: createMemoryBus(hub.bus, logger),
    leases: createMemoryLease(hub.leases, logger),
    locks: createMemoryLock(hub.locks),
    rateLimitStore: (o) => createMemoryRateLimitStore({ windowMs: o.windowMs, maxKeys: o.maxKeys, now: o.now }),
    attachSocketAdapter: () => undefined,
    health: () => ({ ok: true, mode: "memory" }),
    ready: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

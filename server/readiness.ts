/**
 * Readiness checks that parts of the app register (database, connector…). `/readyz` runs them all;
 * any failing check makes the instance unready, with its reason.
 */
export interface ReadinessStatus {
  ok: boolean;
  reason?: string;
  [detail: string]: unknown;
}

export type ReadinessCheck = () => ReadinessStatus | Promise<ReadinessStatus>;

export function createReadiness() {
  const checks = new Map<string, ReadinessCheck>();
  return {
    register(name: string, check: ReadinessCheck): void {
      checks.set(name, check);
    },
    async evaluate(): Promise<{ ready: boolean; checks: Record<string, ReadinessStatus> }> {
      const results: Record<string, ReadinessStatus> = {};
      let ready = true;
      for (const [name, check] of checks) {
        let status: ReadinessStatus;
        try {
          status = await check();
        } catch (err) {
          status = { ok: false, reason: err instanceof Error ? err.message : String(err) };
        }
        results[name] = status;
        ready &&= status.ok;
      }
      return { ready, checks: results };
    },
  };
}

export type Readiness = ReturnType<typeof createReadiness>;

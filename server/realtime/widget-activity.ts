/**
 * Session activity across instances (server mode): a user active in one of their sessions pulls the widgets
 * that follow them into it, and anonymous widgets of a session that just got an owner are evicted — wherever
 * those widgets are connected. Each instance announces the sessions it committed activity for on the bus
 * (`widget-activity`, one notice per product per event-loop turn); every instance, its own included, hands
 * them to its gateway, which acts on its own sockets.
 */
import { z } from "zod";
import type { Bus, Unsubscribe } from "../cluster/bus.js";
import type { Logger } from "../logger.js";

const CHANNEL = "widget-activity";
const notice = z.object({ productId: z.string().min(1).max(200), sessionRefs: z.array(z.number().int().positive()).min(1).max(100_000) });

export function createActivityRelay(bus: Bus, logger: Logger, onActivity: (productId: string, sessionRef: number) => void) {
  /** Sessions with activity this turn, by product. */
  const pending = new Map<string, Set<number>>();
  let unsubscribe: Unsubscribe | undefined;
  const ready = bus
    .subscribe(CHANNEL, notice, (n) => {
      for (const sessionRef of new Set(n.sessionRefs)) onActivity(n.productId, sessionRef);
    })
    .then((u) => void (unsubscribe = u))
    .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, "subscribing to widget activity failed; followers hear this instance's activity only"));

  function flush(): void {
    const batch = [...pending];
    pending.clear();
    for (const [productId, refs] of batch) {
      bus.publish(CHANNEL, { productId, sessionRefs: [...refs] }).catch((err: unknown) => {
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, "announcing widget activity failed; this instance's widgets still follow it");
        for (const ref of refs) onActivity(productId, ref);
      });
    }
  }

  return {
    /** Resolves once the subscription is active (or failed, logged). */
    ready,
    /** Activity committed on this instance: announced to every instance after this turn. */
    note(productId: string, sessionRef: number): void {
      let sessions = pending.get(productId);
      if (!sessions) {
        if (pending.size === 0) setImmediate(flush);
        pending.set(productId, (sessions = new Set()));
      }
      sessions.add(sessionRef);
    },
    async close(): Promise<void> {
      await ready;
      await unsubscribe?.();
    },
  };
}

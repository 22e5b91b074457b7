/**
 * The Bus over Redis pub/sub. Publishing uses the shared command connection; receiving uses one subscriber
 * connection per process (made on the first subscribe), fanned out here to every local handler of a
 * channel. Each message is parsed and checked with the handler's schema: anything else is logged and dropped.
 */
import type { Redis } from "ioredis";
import type { z } from "zod";
import type { Logger } from "../logger.js";
import { checkChannel, type Bus } from "./bus.js";
import { busReceiver, encodeBusMessage } from "./bus-message.js";

type Handler = (text: string) => void;

export interface RedisBus extends Bus {
  close(): Promise<void>;
}

export function createRedisBus(redis: Redis, prefix: string, logger: Logger): RedisBus {
  let subscriber: Redis | undefined;
  const handlers = new Map<string, Set<Handler>>();

  function subscriberConnection(): Redis {
    if (subscriber) return subscriber;
    const sub = redis.duplicate();
    sub.on("error", (err: Error) => logger.warn({ err: err.message }, "redis bus subscriber connection error"));
    sub.on("message", (channel: string, text: string) => {
      for (const handle of handlers.get(channel) ?? []) handle(text);
    });
    subscriber = sub;
    return sub;
  }

  return {
    async publish(channel, message) {
      await redis.publish(prefix + channel, encodeBusMessage(channel, message));
    },

    async subscribe<T>(channel: string, schema: z.ZodType<T>, handler: (message: T) => void) {
      checkChannel(channel);
      const full = prefix + channel;
      const handle: Handler = busReceiver(channel, schema, handler, logger);
      let set = handlers.get(full);
      if (!set) handlers.set(full, (set = new Set()));
      set.add(handle);
      // Every subscribe waits for Redis to confirm (a second handler waits for the same channel's confirmation).
      await subscriberConnection().subscribe(full);
      return async () => {
        const current = handlers.get(full);
        if (!current?.delete(handle)) return;
        if (current.size === 0) {
          handlers.delete(full);
          await subscriber?.unsubscribe(full);
        }
      };
    },

    async close() {
      handlers.clear();
      if (subscriber) await subscriber.quit().catch(() => subscriber?.disconnect());
      subscriber = undefined;
    },
  };
}

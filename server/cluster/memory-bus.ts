/**
 * The in-process Bus: what one process needs when it is the whole deployment. Messages still go through
 * JSON and the subscriber's schema, and arrive on a later turn of the event loop, so code written against
 * it behaves the same over Redis.
 */
import type { z } from "zod";
import type { Logger } from "../logger.js";
import { checkChannel, type Bus } from "./bus.js";
import { busReceiver, encodeBusMessage } from "./bus-message.js";

type Deliver = (text: string) => void;

/** Channels and their subscribers, shared by every Bus made from it (one per instance in a test). */
export interface MemoryBusHub {
  channels: Map<string, Set<Deliver>>;
}

export const createMemoryBusHub = (): MemoryBusHub => ({ channels: new Map() });

export function createMemoryBus(hub: MemoryBusHub, logger: Logger): Bus {
  return {
    // async: a refused channel or value is a rejection, as over Redis.
    async publish(channel, message) {
      const text = encodeBusMessage(channel, message);
      for (const deliver of hub.channels.get(channel) ?? []) setImmediate(deliver, text);
    },
    async subscribe<T>(channel: string, schema: z.ZodType<T>, handler: (message: T) => void) {
      checkChannel(channel);
      let subscribers = hub.channels.get(channel);
      if (!subscribers) hub.channels.set(channel, (subscribers = new Set()));
      const set = subscribers;
      const receive = busReceiver(channel, schema, handler, logger);
      const deliver: Deliver = (text) => {
        if (set.has(deliver)) receive(text); // else unsubscribed while the message was on its way
      };
      set.add(deliver);
      return async () => {
        set.delete(deliver);
        if (set.size === 0 && hub.channels.get(channel) === set) hub.channels.delete(channel);
      };
    },
  };
}

/**
 * Bus: fire-and-forget notifications between the instances of one deployment ("events were committed for
 * product p up to id n", "conversation c has a new message"). Every subscriber of a channel hears every
 * message published to it after its subscription is active, this process's own subscribers included.
 * Nothing is stored: a notification missed while disconnected is gone, so consumers treat it as a hint and
 * read the truth (the event log, the conversation) from the database.
 *
 * Messages travel as JSON and are checked with the subscriber's zod schema on receipt: a message that is
 * not JSON or does not match is logged and dropped, never handed on and never a crash.
 */
import type { z } from "zod";

export type Unsubscribe = () => Promise<void>;

export interface Bus {
  /** Sends `message` (any JSON value) to the channel's subscribers on every instance. */
  publish(channel: string, message: unknown): Promise<void>;
  /** Resolves once the subscription is active; the returned function ends it. */
  subscribe<T>(channel: string, schema: z.ZodType<T>, handler: (message: T) => void): Promise<Unsubscribe>;
}

/** Channel names are ours, never a client's: short, printable, no spaces (they become Redis channel names). */
const CHANNEL = /^[A-Za-z0-9:_.\-]{1,200}$/;

export function checkChannel(channel: string): void {
  if (!CHANNEL.test(channel)) throw new Error(`bus channel ${JSON.stringify(channel.slice(0, 64))} must be 1-200 letters, digits or ":_.-"`);
}

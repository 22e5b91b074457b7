/**
 * What every Bus does with a message, whatever carries it: encoded as JSON on publish, and on receipt parsed,
 * checked with the subscriber's schema and handed on; anything else is logged and dropped, a throwing handler
 * is logged, never a crash of the transport.
 */
import type { z } from "zod";
import type { Logger } from "../logger.js";
import { checkChannel } from "./bus.js";
import { parseInput } from "../contracts/parse-input.js";

/** The text published for `message` on `channel`; throws on a refused channel or a value JSON cannot carry. */
export function encodeBusMessage(channel: string, message: unknown): string {
  checkChannel(channel);
  const text = JSON.stringify(message);
  if (text === undefined) throw new Error("bus messages must be JSON values");
  return text;
}

/** A receiver of one subscription's raw texts: parse, check with `schema`, call `handler`. */
export function busReceiver<T>(channel: string, schema: z.ZodType<T>, handler: (message: T) => void, logger: Logger): (text: string) => void {
  return (text) => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      logger.warn({ channel, bytes: text.length }, "bus message is not JSON; dropped");
      return;
    }
    const parsed = parseInput(schema, json);
    if (!parsed.success) {
      logger.warn({ channel, problems: parsed.error.issues.length }, "bus message does not match its channel's schema; dropped");
      return;
    }
    try {
      handler(parsed.data);
    } catch (err) {
      logger.error({ err, channel }, "bus handler failed");
    }
  };
}

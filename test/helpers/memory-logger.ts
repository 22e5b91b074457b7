/** A real pino logger writing JSON lines into memory, so tests can assert what was (and was not) logged. */
import { Writable } from "node:stream";
import { pino } from "pino";
import type { Logger } from "../../server/logger.js";

export interface MemoryLogger {
  logger: Logger;
  lines(): Record<string, unknown>[];
  text(): string;
}

export function createMemoryLogger(level = "debug"): MemoryLogger {
  let text = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return {
    logger: pino({ level, base: { service: "pilotlight" } }, sink),
    lines: () => text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => text,
  };
}

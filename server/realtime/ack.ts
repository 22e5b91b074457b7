/**
 * Turns a command handler into one that always acknowledges: payloads are validated with zod, known errors
 * become `{ok:false, error:{code, message}}`, unknown ones `internal_error` (logged, never echoed).
 */
import type { z } from "zod";
import type { Ack } from "../contracts/realtime.js";
import { AppError } from "../errors.js";
import { describeIssues, issuesOf } from "../ingest/parse-event.js";
import type { Logger } from "../logger.js";
import { withoutNul } from "../contracts/without-nul.js";
import { parseInput } from "../contracts/parse-input.js";

export interface CommandContext {
  logger: Logger;
  /** Told how every command ended: `ok`, or the error code of its ack. */
  onResult?: (event: string, result: string) => void;
}

export function handleCommand<S extends z.ZodType, T>(
  ctx: CommandContext,
  event: string,
  schema: S,
  run: (payload: z.output<S>) => T | Promise<T>,
): (...args: unknown[]) => void {
  return (...args) => {
    // Socket.IO hands the ack callback over last, after whatever the client sent: no payload at all, or
    // extra arguments, must still be answered.
    const { payload, send } = splitAck<T>(args);
    const reply = (r: Ack<T>) => {
      ctx.onResult?.(event, r.ok ? "ok" : r.error.code);
      send(r);
    };
    const parsed = parseInput(schema, withoutNul(payload));
    if (!parsed.success) {
      reply({ ok: false, error: { code: "invalid_payload", message: `${event}: ${describeIssues(issuesOf(parsed.error))}` } });
      return;
    }
    Promise.resolve()
      .then(() => run(parsed.data))
      .then(
        (data) => reply({ ok: true, data }),
        (err: unknown) => reply(errorAck(ctx.logger, event, err)),
      );
  };
}

/** The ack of a command that failed: our errors keep their code and message, anything else is `internal_error`. */
export function errorAck(logger: Logger, event: string, err: unknown): Ack<never> {
  if (err instanceof AppError) return { ok: false, error: { code: err.code, message: err.message } };
  logger.error({ err, event }, "socket command failed");
  return { ok: false, error: { code: "internal_error", message: "internal error" } };
}

/** Answers a command refused before its handler ran (e.g. rate limited), counted under `label`. */
export function refuseCommand(ctx: CommandContext, label: string, args: readonly unknown[], err: unknown): void {
  const ack = errorAck(ctx.logger, label, err);
  ctx.onResult?.(label, ack.ok ? "ok" : ack.error.code);
  splitAck<never>(args).send(ack);
}

/** The payload (first argument) and the ack callback (last argument, when the client asked for one). */
export function splitAck<T>(args: readonly unknown[]): { payload: unknown; send: (r: Ack<T>) => void } {
  const last = args.at(-1);
  if (typeof last !== "function") return { payload: args[0], send: () => undefined };
  return { payload: args.length > 1 ? args[0] : undefined, send: last as (r: Ack<T>) => void };
}

/**
 * Answers an event the widget contract does not have, so a client waiting for its ack hears why instead of
 * timing out. Counted under the one label `unknown`: event names come from the client.
 */
export function handleUnknownEvent(ctx: CommandContext, known: ReadonlySet<string>): (event: unknown, ...args: unknown[]) => void {
  return (event, ...args) => {
    if (typeof event === "string" && known.has(event)) return;
    const { send } = splitAck<never>(args);
    ctx.onResult?.("unknown", "unknown_event");
    send({
      ok: false,
      error: { code: "unknown_event", message: `unknown event ${JSON.stringify(String(event).slice(0, 100))}: the widget sends ${[...known].join(", ")}` },
    });
  };
}

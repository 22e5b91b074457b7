/**
 * Turns a command handler into one that always acknowledges: payloads are validated with zod, known errors
 * become `{ok:false, error:{code, message}}`, unknown ones `internal_error` (logged, never echoed).
 */
import type { z } from "zod";
import type { Ack } from "../contracts/realtime.js";
import { AppError } from "../errors.js";
import { describeIssues, issuesOf } from "../ingest/parse-event.js";
import type { Logger } from "../logger.js";

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
): (payload: unknown, ack?: unknown) => void {
  const { logger } = ctx;
  return (payload, ack) => {
    const send = typeof ack === "function" ? (ack as (r: Ack<T>) => void) : () => undefined;
    const reply = (r: Ack<T>) => {
      ctx.onResult?.(event, r.ok ? "ok" : r.error.code);
      send(r);
    };
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      reply({ ok: false, error: { code: "invalid_payload", message: `${event}: ${describeIssues(issuesOf(parsed.error))}` } });
      return;
    }
    Promise.resolve()
      .then(() => run(parsed.data))
      .then(
        (data) => reply({ ok: true, data }),
        (err: unknown) => {
          if (err instanceof AppError) {
            reply({ ok: false, error: { code: err.code, message: err.message } });
          } else {
            logger.error({ err, event }, "socket command failed");
            reply({ ok: false, error: { code: "internal_error", message: "internal error" } });
          }
        },
      );
  };
}

/**
 * Turns a command handler into one that always acknowledges: payloads are validated with zod, known errors
 * become `{ok:false, error:{code, message}}`, unknown ones `internal_error` (logged, never echoed).
 */
import type { z } from "zod";
import type { Ack } from "../contracts/realtime.js";
import { AppError } from "../errors.js";
import { describeIssues, issuesOf } from "../ingest/parse-event.js";
import type { Logger } from "../logger.js";

export function handleCommand<S extends z.ZodType, T>(
  logger: Logger,
  event: string,
  schema: S,
  run: (payload: z.output<S>) => T | Promise<T>,
): (payload: unknown, ack?: unknown) => void {
  return (payload, ack) => {
    const reply = typeof ack === "function" ? (ack as (r: Ack<T>) => void) : () => undefined;
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

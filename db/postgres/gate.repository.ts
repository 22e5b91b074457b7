import type { GateRecord, GateRepository } from "../gate.repository.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";

const COLUMNS = `session_ref AS "sessionRef", state, state_since AS "stateSince", cooldown_until AS "cooldownUntil",
  typing_until AS "typingUntil", last_user_message_at AS "lastUserMessageAt", dismissals, updated_at AS "updatedAt"`;

export function createPgGateRepository(ex: Executor): AsyncOf<GateRepository> {
  return {
    find: (sessionRef) => ex.row<GateRecord>(`SELECT ${COLUMNS} FROM suggestion_gates WHERE session_ref = $1`, [sessionRef]),
    // An upsert: two instances saving a session's first gate state at once leave one row (the later write).
    async save(r) {
      await ex.run(
        `INSERT INTO suggestion_gates (session_ref, state, state_since, cooldown_until, typing_until, last_user_message_at, dismissals, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (session_ref) DO UPDATE SET
           state = excluded.state, state_since = excluded.state_since, cooldown_until = excluded.cooldown_until,
           typing_until = excluded.typing_until, last_user_message_at = excluded.last_user_message_at,
           dismissals = excluded.dismissals, updated_at = excluded.updated_at`,
        [r.sessionRef, r.state, r.stateSince, r.cooldownUntil, r.typingUntil, r.lastUserMessageAt, r.dismissals, r.updatedAt],
      );
    },
  };
}

import type { Db } from "./connection.js";

export type GateState = "thinking" | "proactive" | "reactive";

/** A session's interruption-control state; every time is wall-clock ms (see server/suggest/gates.ts). */
export interface GateRecord {
  sessionRef: number;
  state: GateState;
  stateSince: number;
  cooldownUntil: number;
  typingUntil: number;
  lastUserMessageAt: number;
  dismissals: number;
  updatedAt: number;
}

const COLUMNS = `session_ref AS sessionRef, state, state_since AS stateSince, cooldown_until AS cooldownUntil,
  typing_until AS typingUntil, last_user_message_at AS lastUserMessageAt, dismissals, updated_at AS updatedAt`;

export function createGateRepository(db: Db) {
  const get = db.prepare<[number], GateRecord>(`SELECT ${COLUMNS} FROM suggestion_gates WHERE session_ref = ?`);
  const save = db.prepare<GateRecord>(`
    INSERT INTO suggestion_gates (session_ref, state, state_since, cooldown_until, typing_until, last_user_message_at, dismissals, updated_at)
    VALUES (@sessionRef, @state, @stateSince, @cooldownUntil, @typingUntil, @lastUserMessageAt, @dismissals, @updatedAt)
    ON CONFLICT (session_ref) DO UPDATE SET
      state = excluded.state, state_since = excluded.state_since, cooldown_until = excluded.cooldown_until,
      typing_until = excluded.typing_until, last_user_message_at = excluded.last_user_message_at,
      dismissals = excluded.dismissals, updated_at = excluded.updated_at`);
  return {
    find: (sessionRef: number): GateRecord | undefined => get.get(sessionRef),
    save(record: GateRecord): void {
      save.run(record);
    },
  };
}

export type GateRepository = ReturnType<typeof createGateRepository>;

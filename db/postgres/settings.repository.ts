import type { SettingsRepository } from "../settings.repository.js";
import type { AsyncOf } from "../store.js";
import type { Executor } from "./executor.js";

export function createPgSettingsRepository(ex: Executor): AsyncOf<SettingsRepository> {
  return {
    get: async (key) => (await ex.row<{ value: string }>("SELECT value FROM settings WHERE key = $1", [key]))?.value,
    // ON CONFLICT DO NOTHING waits for a concurrent insert of the key to commit; the read after it (a new
    // statement, READ COMMITTED) then sees the winner's value, inside a transaction too.
    async setIfAbsent(key, value) {
      await ex.run("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", [key, value]);
      return (await ex.row<{ value: string }>("SELECT value FROM settings WHERE key = $1", [key]))!.value;
    },
    async set(key, value) {
      await ex.run("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value]);
    },
  };
}

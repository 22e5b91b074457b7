import type { Db } from "./connection.js";

/** Instance-wide key/value settings that must survive restarts (e.g. a generated admin token). */
export function createSettingsRepository(db: Db) {
  const get = db.prepare<[string], { value: string }>("SELECT value FROM settings WHERE key = ?");
  const set = db.prepare<[string, string]>(
    "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  );
  return {
    get: (key: string): string | undefined => get.get(key)?.value,
    set: (key: string, value: string): void => {
      set.run(key, value);
    },
  };
}

export type SettingsRepository = ReturnType<typeof createSettingsRepository>;

import type { Db } from "./connection.js";

/** Instance-wide key/value settings that must survive restarts (e.g. a generated admin token). */
export function createSettingsRepository(db: Db) {
  const get = db.prepare<[string], { value: string }>("SELECT value FROM settings WHERE key = ?");
  const set = db.prepare<[string, string]>(
    "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  );
  const insertIfAbsent = db.prepare<[string, string]>("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING");
  return {
    get: (key: string): string | undefined => get.get(key)?.value,
    /**
     * Stores `value` unless the key already has one, and returns the value in force: the first writer wins, so
     * instances generating a first-start secret at the same time all end up using the same one.
     */
    setIfAbsent: (key: string, value: string): string => {
      insertIfAbsent.run(key, value);
      return get.get(key)!.value;
    },
    set: (key: string, value: string): void => {
      set.run(key, value);
    },
  };
}

export type SettingsRepository = ReturnType<typeof createSettingsRepository>;

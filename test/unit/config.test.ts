import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, selectedSuggester } from "../../server/config.js";

describe("loadConfig", () => {
  it("works with no configuration at all, using the documented defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: "127.0.0.1",
      DATABASE_PATH: "./data/pilotlight.db",
      PRODUCT_ID: "demo",
      SUGGESTER: "auto",
      MAX_BODY_BYTES: 1024 * 1024,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(selectedSuggester(config)).toBe("rules");
  });

  it("names every bad key at once, without echoing values", () => {
    let error: unknown;
    try {
      loadConfig({ PORT: "eighty", LOG_LEVEL: "loud", PUSH_SECRET: "short", ALLOWED_ORIGINS: "https://ok.example,notaurl" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    for (const key of ["PORT", "LOG_LEVEL", "PUSH_SECRET", "ALLOWED_ORIGINS"]) expect(problems).toContain(key);
    expect(problems).not.toContain("short");
  });

  it("takes a PostgreSQL URL for server mode, refusing anything else without echoing it", () => {
    expect(loadConfig({}).DATABASE_URL).toBeUndefined();
    expect(loadConfig({ DATABASE_URL: "postgres://u:pw@db.example:5432/pl" }).DATABASE_URL).toBe("postgres://u:pw@db.example:5432/pl");
    expect(loadConfig({ DATABASE_URL: "postgresql://db.example/pl" }).DATABASE_URL).toBe("postgresql://db.example/pl");
    for (const bad of ["mysql://u:hunter2secret@db/pl", "hunter2secret", "postgres://"]) {
      let error: unknown;
      try {
        loadConfig({ DATABASE_URL: bad });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join("\n");
      expect(problems).toContain("DATABASE_URL");
      expect(problems).not.toContain("hunter2secret");
    }
  });

  it("checks keys that depend on each other", () => {
    expect(() => loadConfig({ CONNECTOR_URL: "https://up.example/stream/demo" })).toThrow(/CONNECTOR_TOKEN/);
    expect(() => loadConfig({ SUGGESTER: "llm" })).toThrow(/SUGGESTER/);
    expect(() => loadConfig({ CONNECTOR_BACKOFF_BASE_MS: "5000", CONNECTOR_BACKOFF_MAX_MS: "1000" })).toThrow(/CONNECTOR_BACKOFF_MAX_MS/);
  });

  it("has the documented stream and connector defaults", () => {
    expect(loadConfig({})).toMatchObject({
      STREAM_HEARTBEAT_MS: 15_000,
      STREAM_RETENTION_HOURS: 24,
      STREAM_BUFFER_BYTES: 1024 * 1024,
      STREAM_RETRY_MS: 3_000,
      CONNECTOR_HEARTBEAT_MS: 30_000,
      CONNECTOR_BACKOFF_BASE_MS: 1_000,
      CONNECTOR_BACKOFF_MAX_MS: 30_000,
    });
    expect(() => loadConfig({ STREAM_BUFFER_BYTES: "12" })).toThrow(/STREAM_BUFFER_BYTES/);
  });

  it("server mode: REDIS_URL must be a redis URL; the prefix, instance id and lease TTL are checked", () => {
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({ REDIS_KEY_PREFIX: "pilotlight:", LEADER_LEASE_TTL_MS: 15_000 });
    expect([defaults.REDIS_URL, defaults.INSTANCE_ID]).toEqual([undefined, undefined]);
    expect(loadConfig({ REDIS_URL: "redis://:pw@cache:6380/2", INSTANCE_ID: "web-1" })).toMatchObject({ REDIS_URL: "redis://:pw@cache:6380/2", INSTANCE_ID: "web-1" });
    expect(() => loadConfig({ REDIS_URL: "http://cache:6379" })).toThrow(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => loadConfig({ REDIS_KEY_PREFIX: "has space" })).toThrow(/REDIS_KEY_PREFIX/);
    expect(() => loadConfig({ INSTANCE_ID: "a/b" })).toThrow(/INSTANCE_ID/);
    expect(() => loadConfig({ LEADER_LEASE_TTL_MS: "10" })).toThrow(/LEADER_LEASE_TTL_MS/);
    // The refusal never echoes the value (a Redis URL may carry a password).
    expect(() => loadConfig({ REDIS_URL: "http://:secret-pw@cache" })).not.toThrow(/secret-pw/);
  });

  it("selects the LLM when a key or base URL is set and SUGGESTER is auto", () => {
    expect(selectedSuggester(loadConfig({ OPENAI_BASE_URL: "http://127.0.0.1:9999/v1" }))).toBe("llm");
    expect(selectedSuggester(loadConfig({ OPENAI_API_KEY: "sk-x", SUGGESTER: "rules" }))).toBe("rules");
  });

  it("treats empty strings as unset", () => {
    expect(loadConfig({ PORT: "", PUSH_SECRET: "" }).PORT).toBe(3000);
  });

  it("normalises allowed origins", () => {
    expect(loadConfig({ ALLOWED_ORIGINS: "https://a.example/, http://localhost:5173" }).ALLOWED_ORIGINS).toEqual([
      "https://a.example",
      "http://localhost:5173",
    ]);
    expect(() => loadConfig({ ALLOWED_ORIGINS: "https://a.example/path" })).toThrow(/bare origin/);
  });
});

describe("memory, trigger and holdout settings", () => {
  it("takes a list of triggers to turn off, refusing unknown codes by name", () => {
    expect(loadConfig({}).TRIGGERS_DISABLED).toEqual([]);
    expect(loadConfig({ TRIGGERS_DISABLED: " stall, first_attempt " }).TRIGGERS_DISABLED).toEqual(["stall", "first_attempt"]);
    expect(() => loadConfig({ TRIGGERS_DISABLED: "stall,nagging" })).toThrow(/TRIGGERS_DISABLED: unknown trigger "nagging"; known: repeated_failure/);
  });

  it("keeps the holdout a percentage drawn by user or session", () => {
    expect(loadConfig({ SUGGEST_HOLDOUT_PCT: "12.5" })).toMatchObject({ SUGGEST_HOLDOUT_PCT: 12.5, SUGGEST_HOLDOUT_UNIT: "user" });
    expect(() => loadConfig({ SUGGEST_HOLDOUT_PCT: "101" })).toThrow(/SUGGEST_HOLDOUT_PCT/);
    expect(() => loadConfig({ SUGGEST_HOLDOUT_UNIT: "device" })).toThrow(/SUGGEST_HOLDOUT_UNIT/);
  });
});

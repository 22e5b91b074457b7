import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config.js";

describe("operations configuration", () => {
  it("has documented defaults: metrics open, no trusted proxy, generous rate limits, 30-day retention", () => {
    const config = loadConfig({});
    expect(config.METRICS_TOKEN).toBeUndefined();
    expect(config).toMatchObject({
      TRUST_PROXY: false,
      RATE_LIMIT_WEBHOOK_PER_MIN: 12_000,
      RATE_LIMIT_PUBLIC_PER_MIN: 1_200,
      RETENTION_DAYS: 30,
      RETENTION_INTERVAL_MS: 3_600_000,
      RETENTION_BATCH_SIZE: 500,
    });
  });

  it.each([
    ["true", true],
    ["FALSE", false],
    ["2", 2],
    ["loopback", "loopback"],
    ["loopback, 10.0.0.0/8, fd00::/8", "loopback, 10.0.0.0/8, fd00::/8"],
  ])("reads TRUST_PROXY=%s the way express's trust proxy takes it", (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  it("names every bad operations key at once, without echoing secret values", () => {
    let error: unknown;
    try {
      loadConfig({
        TRUST_PROXY: "proxy; rm -rf",
        RATE_LIMIT_WEBHOOK_PER_MIN: "lots",
        RATE_LIMIT_PUBLIC_PER_MIN: "-1",
        RETENTION_DAYS: "1.5",
        RETENTION_INTERVAL_MS: "10",
        RETENTION_BATCH_SIZE: "0",
        METRICS_TOKEN: "short-tok",
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    for (const key of ["TRUST_PROXY", "RATE_LIMIT_WEBHOOK_PER_MIN", "RATE_LIMIT_PUBLIC_PER_MIN", "RETENTION_DAYS", "RETENTION_INTERVAL_MS", "RETENTION_BATCH_SIZE", "METRICS_TOKEN"]) {
      expect(problems).toContain(key);
    }
    expect(problems).not.toContain("short-tok");
  });

  it("turns limits and retention off with 0", () => {
    expect(loadConfig({ RATE_LIMIT_WEBHOOK_PER_MIN: "0", RATE_LIMIT_PUBLIC_PER_MIN: "0", RETENTION_DAYS: "0" })).toMatchObject({
      RATE_LIMIT_WEBHOOK_PER_MIN: 0,
      RATE_LIMIT_PUBLIC_PER_MIN: 0,
      RETENTION_DAYS: 0,
    });
  });
});

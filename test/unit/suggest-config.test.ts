import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config.js";

describe("suggestion engine configuration", () => {
  it("has the documented defaults", () => {
    expect(loadConfig({})).toMatchObject({
      SUGGEST_DEBOUNCE_MS: 1_200,
      SUGGEST_MAX_WAIT_MS: 5_000,
      GATE_INTERACTION_TIMEOUT_MS: 20_000,
      GATE_COOLDOWN_MS: 60_000,
      GATE_RECENT_MESSAGE_MS: 5_000,
      GATE_TYPING_TTL_MS: 15_000,
      SUGGESTIONS_PER_HOUR: 6,
      SUGGEST_REPEAT_WINDOW_MS: 86_400_000,
      DWELL_MS: 45_000,
      SUMMARY_THRESHOLD: 40,
      SUMMARY_KEEP_ACTIONS: 20,
      LLM_MAX_RETRIES: 2,
      BREAKER_FAILURES: 3,
      BREAKER_COOLDOWN_MS: 30_000,
      PROMPT_MAX_ACTIONS: 30,
      PROMPT_MAX_CHARS: 4_000,
    });
  });

  it("refuses settings that contradict each other, naming the key", () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ SUMMARY_THRESHOLD: "10", SUMMARY_KEEP_ACTIONS: "10" })).toEqual(["SUMMARY_KEEP_ACTIONS: must be smaller than SUMMARY_THRESHOLD"]);
    expect(problems({ SUGGEST_DEBOUNCE_MS: "2000", SUGGEST_MAX_WAIT_MS: "1000" })).toEqual(["SUGGEST_MAX_WAIT_MS: must be at least SUGGEST_DEBOUNCE_MS"]);
    expect(problems({ BREAKER_FAILURES: "0", LLM_MAX_RETRIES: "-1" }).map((p) => p.split(":")[0])).toEqual(["LLM_MAX_RETRIES", "BREAKER_FAILURES"]);
  });
});

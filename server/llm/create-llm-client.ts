/** Builds the LLM client the configuration selects (PROTOCOL.md §5 `SUGGESTER`), or null for rules only. */
import { selectedSuggester, type Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { LlmClient } from "./llm-port.js";
import { createOpenAIModel } from "./openai-adapter.js";

export function createLlmClient(config: Config, logger: Logger): LlmClient | null {
  return selectedSuggester(config) === "llm" ? createOpenAIModel(config, logger) : null;
}

/**
 * Redaction at the LLM boundary: every message of every call — suggestion prompts, summaries, chat — goes
 * through redactText before it leaves the process, whichever builder made it.
 */
import type { ChatMessage } from "./llm-port.js";
import { addCounts, emptyCounts, redactText, type RedactionCounts } from "./redact.js";

export function redactMessages(messages: readonly ChatMessage[]): { messages: ChatMessage[]; counts: RedactionCounts } {
  let counts = emptyCounts();
  const redacted = messages.map((m) => {
    const r = redactText(m.content);
    counts = addCounts(counts, r.counts);
    return { ...m, content: r.text };
  });
  return { messages: redacted, counts };
}

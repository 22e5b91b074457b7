/**
 * The LLM's reply is an untrusted edge like any other: validated with zod into plain text of at most
 * 240 characters, or recognised as "no helpful step". Models wrap answers in quotes, JSON, markdown or
 * HTML despite being told not to; those are tolerated and stripped rather than failed.
 */
import { z } from "zod";
import { NO_SUGGESTION } from "./prompt-builder.js";
import { MAX_SUGGESTION_CHARS } from "./suggestion-model.js";

export const SuggestionTextSchema = z
  .string()
  .min(1, "the reply is empty")
  .max(MAX_SUGGESTION_CHARS, `the reply is longer than ${MAX_SUGGESTION_CHARS} characters`);

export type SuggestionText = z.infer<typeof SuggestionTextSchema>;

/** Fields a JSON-minded model puts its answer in. */
const JsonReplySchema = z.union([
  z.string(),
  z.null(),
  z.object({ suggestion: z.string().nullable().optional(), text: z.string().nullable().optional(), message: z.string().nullable().optional() }).loose(),
]);

export type ParsedReply = { kind: "suggestion"; text: SuggestionText } | { kind: "decline" } | { kind: "invalid"; problem: string };

const DECLINE = /^(no[_ -]?suggestion|none|no helpful (next )?step|nothing( to suggest)?|n\/a)[.!]?$/i;

/** Markdown and HTML to plain text, whitespace collapsed. */
export function toPlainText(raw: string): string {
  return raw
    .replace(/```[a-z]*\n?([\s\S]*?)```/gi, "$1")
    .replace(/<[^>]{0,200}>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/(\*\*|__|~~)(.+?)\1/g, "$2")
    .replace(/(^|\s)[*_](\S[^*_]*?)[*_](?=\s|$|[.,!?])/g, "$1$2")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)/gm, "")
    .replace(/\s+/g, " ")
    .trim();
}

const unquote = (s: string) => s.replace(/^(["'“‘`])([\s\S]*)(["'”’`])$/, "$2").trim();

/** Keeps whole sentences when a model overshoots the cap a little; undefined when no sentence fits. */
function clipToSentences(text: string): string | undefined {
  if (text.length <= MAX_SUGGESTION_CHARS) return text;
  const head = text.slice(0, MAX_SUGGESTION_CHARS);
  const end = Math.max(head.lastIndexOf(". "), head.lastIndexOf("! "), head.lastIndexOf("? "), /[.!?]$/.test(head) ? head.length - 1 : -1);
  return end >= 40 ? head.slice(0, end + 1) : undefined;
}

export function parseSuggestionReply(raw: string): ParsedReply {
  let text = raw.trim();
  if (/^([{["]|null$)/.test(text)) {
    try {
      const json = JsonReplySchema.safeParse(JSON.parse(text));
      if (json.success) {
        const v = json.data;
        const picked = v === null || typeof v === "string" ? v : (v.suggestion ?? v.text ?? v.message ?? null);
        if (picked === null) return { kind: "decline" };
        text = picked;
      }
    } catch {
      // Not JSON after all: treat as text.
    }
  }
  text = unquote(toPlainText(text));
  if (text.includes(NO_SUGGESTION) || DECLINE.test(text)) return { kind: "decline" };
  const clipped = clipToSentences(text);
  const parsed = SuggestionTextSchema.safeParse(clipped ?? text);
  return parsed.success ? { kind: "suggestion", text: parsed.data } : { kind: "invalid", problem: parsed.error.issues[0]?.message ?? "invalid reply" };
}

/** A summary reply: plain text, bounded; empty is invalid. */
export function parseSummaryReply(raw: string, maxChars = 2_000): string | undefined {
  const text = raw
    .split("\n")
    .map((l) => toPlainText(l))
    .filter(Boolean)
    .join("\n")
    .slice(0, maxChars)
    .trim();
  return text || undefined;
}

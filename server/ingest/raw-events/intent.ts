/**
 * The intent behind an action — what the user is trying to do — inferred from the action type, the kind
 * of control and the words in its name. Used in labels and, from stored titles, for a session's goal.
 */
import type { ElementKind } from "./element-kind.js";

export type Intent =
  | "navigate"
  | "create"
  | "save"
  | "send"
  | "invite"
  | "delete"
  | "export"
  | "import"
  | "search"
  | "filter"
  | "authenticate"
  | "sign-out"
  | "purchase"
  | "configure"
  | "edit"
  | "cancel"
  | "get-help"
  | "fill-form"
  | "choose-option"
  | "toggle-option"
  | "upload"
  | "struggle"
  | "interact";

/**
 * Word rules, most specific first ("Send invite" is an invite, not a send). Matched on word
 * boundaries, case-insensitively.
 */
const WORD_RULES: readonly [Intent, RegExp][] = [
  ["invite", /\b(invite|invitation|share)\b/i],
  ["export", /\b(export|download|csv|pdf)\b/i],
  ["import", /\b(import)\b/i],
  ["sign-out", /\b(log ?out|sign ?out)\b/i],
  ["authenticate", /\b(log ?in|sign ?in|sign ?up|register|password|verify)\b/i],
  ["purchase", /\b(pay|payment|checkout|buy|purchase|upgrade|subscribe|billing|card|plan)\b/i],
  ["delete", /\b(delete|remove|archive|trash|discard)\b/i],
  ["create", /\b(new|create|add)\b/i],
  ["send", /\b(send|submit|publish|post|confirm)\b/i],
  ["save", /\b(save|update|apply|done)\b/i],
  ["search", /\b(search|find|lookup)\b/i],
  ["filter", /\b(filter|sort|date range|range|period)\b/i],
  ["edit", /\b(edit|rename|change)\b/i],
  ["cancel", /\b(cancel|close|dismiss|back|undo)\b/i],
  ["get-help", /\b(help|support|docs|documentation|contact|faq)\b/i],
  ["configure", /\b(settings?|preferences|configure|options)\b/i],
];

/** The intent words in some text suggest, if any. */
export function intentOfText(text: string): Intent | undefined {
  for (const [intent, re] of WORD_RULES) if (re.test(text)) return intent;
  return undefined;
}

export interface IntentInput {
  type: string;
  kind?: ElementKind | undefined;
  name?: string | undefined;
  rage?: boolean | undefined;
}

export function inferIntent(input: IntentInput): Intent {
  if (input.rage) return "struggle";
  if (input.type === "pageview") return "navigate";
  const fromWords = input.name ? intentOfText(input.name) : undefined;
  if (input.type === "type") {
    if (input.kind === "dropdown" || input.kind === "radio" || input.kind === "option") return fromWords === "filter" ? "filter" : "choose-option";
    if (input.kind === "checkbox" || input.kind === "switch") return "toggle-option";
    if (input.kind === "file") return "upload";
    return fromWords === "search" ? "search" : "fill-form";
  }
  if (fromWords) return fromWords;
  if (input.type === "submit") return "send";
  if (input.kind === "link" || input.kind === "tab" || input.kind === "menu-item") return "navigate";
  return "interact";
}

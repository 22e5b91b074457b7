/**
 * PII redaction for every text on its way to an LLM (prompt builders, summaries). Pure functions:
 * no I/O, no state, same input → same output, and redacting twice changes nothing more.
 *
 * What goes, and what replaces it:
 *   secrets in URL query strings/fragments and `password: …`-style labels → the value becomes `[redacted]`
 *   bearer credentials, known API-key formats, JWTs, long random tokens       → `[token]`
 *   emails (also `%40`-encoded)                                                → `[email]`
 *   card numbers (13–19 digits, Luhn-checked)                                  → `[card]`
 *   phone numbers (international `+…`, or local with area code / grouping)     → `[phone]`
 *   runs of 10+ digits                                                         → `[number]`
 * What stays: prices and amounts, dates and times, version numbers, IP addresses, UUIDs and hex digests,
 * short ids and order numbers in paths, `:id` placeholders.
 */
import type { SlimAction } from "../ingest/autoplay.schema.js";
import {
  AUTH_SCHEME_CREDENTIAL,
  CARD_CANDIDATE,
  EMAIL,
  GENERIC_TOKEN,
  isEmail,
  isPhone,
  isSecretParam,
  KNOWN_KEY,
  LABELLED_SECRET,
  LONG_DIGITS,
  looksRandom,
  luhnValid,
  PHONE_CANDIDATE,
  QUERY_PARAM,
} from "./redact-patterns.js";

export const REDACTION_KINDS = ["secret_param", "token", "email", "card", "phone", "digits"] as const;
export type RedactionKind = (typeof REDACTION_KINDS)[number];
export type RedactionCounts = Record<RedactionKind, number>;

export const REDACTION_MARKERS: Readonly<Record<RedactionKind, string>> = {
  secret_param: "[redacted]",
  token: "[token]",
  email: "[email]",
  card: "[card]",
  phone: "[phone]",
  digits: "[number]",
};

export interface RedactedText {
  text: string;
  counts: RedactionCounts;
}

export const emptyCounts = (): RedactionCounts => ({ secret_param: 0, token: 0, email: 0, card: 0, phone: 0, digits: 0 });

export function addCounts(a: RedactionCounts, b: RedactionCounts): RedactionCounts {
  const sum = emptyCounts();
  for (const kind of REDACTION_KINDS) sum[kind] = a[kind] + b[kind];
  return sum;
}

export const totalRedactions = (counts: RedactionCounts): number => REDACTION_KINDS.reduce((n, k) => n + counts[k], 0);

/**
 * Redacts one free text. Passes repeat until nothing changes (at most a few): a marker can expose a
 * neighbour that the previous pass saw as part of a longer run ("a@b.co.a@b.co"), and a fixpoint makes
 * redaction idempotent.
 */
export function redactText(input: string): RedactedText {
  let counts = emptyCounts();
  let text = input;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const next = redactOnce(text);
    counts = addCounts(counts, next.counts);
    if (next.text === text) break;
    text = next.text;
  }
  return { text, counts };
}

const MAX_PASSES = 4;

/** One pass. Order matters: credentials first (they may contain digits or '@'), digit runs last. */
function redactOnce(input: string): RedactedText {
  const counts = emptyCounts();
  const secret = REDACTION_MARKERS.secret_param;
  let text = input;

  text = text.replace(QUERY_PARAM, (whole, sep: string, name: string, value: string) => {
    if (value === secret || !isSecretParam(name)) return whole;
    counts.secret_param += 1;
    return `${sep}${name}=${secret}`;
  });
  text = text.replace(AUTH_SCHEME_CREDENTIAL, (whole, scheme: string, space: string, value: string) => {
    // "Basic information", "Token management": only credential-looking values (digits or symbols, or long).
    if (!/[\d+/=._~-]/.test(value) && value.length < 20) return whole;
    counts.token += 1;
    return `${scheme}${space}${REDACTION_MARKERS.token}`;
  });
  text = text.replace(LABELLED_SECRET, (whole, label: string, sep: string, value: string) => {
    if (value === secret || /^\[\w+\]$/.test(value)) return whole;
    counts.secret_param += 1;
    return `${label}${sep}${secret}`;
  });
  text = replaceCounted(text, KNOWN_KEY, () => true, "token", counts);
  text = replaceCounted(text, EMAIL, isEmail, "email", counts);
  text = replaceCounted(text, GENERIC_TOKEN, looksRandom, "token", counts);
  text = replaceCounted(text, CARD_CANDIDATE, (m) => luhnValid(m.replace(/\D/g, "")), "card", counts);
  text = replaceCounted(text, PHONE_CANDIDATE, isPhone, "phone", counts);
  text = replaceCounted(text, LONG_DIGITS, () => true, "digits", counts);
  return { text, counts };
}

function replaceCounted(text: string, pattern: RegExp, accept: (match: string) => boolean, kind: RedactionKind, counts: RedactionCounts): string {
  return text.replace(pattern, (match) => {
    if (!accept(match)) return match;
    counts[kind] += 1;
    return REDACTION_MARKERS[kind];
  });
}

/** Text fields of an action that an LLM may see. Ids that are ours or the sender's opaque keys are left alone. */
const ACTION_TEXT_FIELDS = ["title", "description", "canonical_url"] as const;

/**
 * A redacted copy of an action: title, description and URLs redacted; `email` replaced by `[email]`;
 * `user_id` redacted like text (it is often an email). `session_id` and `conversation_id` are kept:
 * they are identifiers the prompt needs, not personal data.
 */
export function redactAction(action: SlimAction): { action: SlimAction; counts: RedactionCounts } {
  let counts = emptyCounts();
  const out: SlimAction = { ...action };
  const apply = (value: string): string => {
    const r = redactText(value);
    counts = addCounts(counts, r.counts);
    return r.text;
  };
  for (const field of ACTION_TEXT_FIELDS) out[field] = apply(action[field]);
  if (action.raw_url !== null) out.raw_url = apply(action.raw_url);
  if (action.user_id !== null) out.user_id = apply(action.user_id);
  if (action.email !== null) {
    out.email = REDACTION_MARKERS.email;
    if (action.email !== REDACTION_MARKERS.email) counts.email += 1;
  }
  return { action: out, counts };
}

/** Redacts a list of actions (e.g. a context window) and sums the counts. */
export function redactActions(actions: readonly SlimAction[]): { actions: SlimAction[]; counts: RedactionCounts } {
  let counts = emptyCounts();
  const out = actions.map((a) => {
    const r = redactAction(a);
    counts = addCounts(counts, r.counts);
    return r.action;
  });
  return { actions: out, counts };
}

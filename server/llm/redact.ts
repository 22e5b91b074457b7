/**
 * PII redaction for every text on its way to an LLM (suggestions, summaries, chat). Pure functions:
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

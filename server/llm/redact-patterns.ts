/**
 * The detectors behind redact.ts. Every pattern is anchored with a lookbehind on its own character class,
 * so a match can only start where a run starts: scanning stays linear even on adversarial input (a long
 * run without an '@' cannot make the email pattern retry at every position).
 */

/** Query/fragment parameter names whose values are credentials, whatever the value looks like. */
const SECRET_PARAM_WORDS = [
  "token", "access_token", "refresh_token", "id_token", "auth_token", "api_token", "bearer",
  "key", "apikey", "api_key", "access_key", "secret", "client_secret", "secret_key", "private_key",
  "password", "passwd", "pwd", "pass", "passphrase", "auth", "authorization", "credential", "credentials",
  "code", "auth_code", "otp", "session", "sessionid", "session_id", "sid", "jsessionid", "phpsessid",
  "signature", "sig", "jwt", "saml", "samlresponse", "ticket", "nonce", "hash", "x-amz-signature",
  "x-amz-credential", "x-amz-security-token",
];

/** Names that end like a credential (`stripe_secret`, `reset-token`, `user_password`) count too. */
const SECRET_PARAM_SUFFIX = /[_-](token|secret|password|passwd|key|signature|sig|sessionid|credentials?)$/i;

export function isSecretParam(name: string): boolean {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    // A malformed escape is compared as written.
  }
  const n = decoded.toLowerCase();
  return SECRET_PARAM_WORDS.includes(n) || SECRET_PARAM_SUFFIX.test(n);
}

/** `?name=value`, `&name=value`, `#name=value`, `;name=value` — value up to the next separator. */
export const QUERY_PARAM = /([?&#;])([^=&#;?\s]{1,100})=([^&#;\s]+)/g;

/** `password: hunter2`, `api_key=abc`, `secret = "x"` in free text. */
export const LABELLED_SECRET =
  /(?<![\w-])(password|passwd|pwd|passphrase|secret|client_secret|api[_-]?key|access[_-]?token|auth[_-]?token|token)(\s*[:=]\s*)("[^"\s]{1,200}"|'[^'\s]{1,200}'|[^\s,;&#?"'[\]]{1,200})/gi;

/** `Authorization: Bearer …` / `Basic …` credentials. */
export const AUTH_SCHEME_CREDENTIAL = /(?<![\w-])(Bearer|Basic|Token)(\s+)([A-Za-z0-9\-._~+/]{8,}=*)/g;

/** Well-known key formats (OpenAI, Stripe, GitHub, Slack, AWS, Google, JWTs, Pilotlight's own). */
export const KNOWN_KEY = new RegExp(
  [
    String.raw`(?<![\w-])sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}`,
    String.raw`(?<![\w-])(?:sk|rk|pk|whsec)_(?:live|test)_[A-Za-z0-9]{10,}`,
    String.raw`(?<![\w-])whsec_[A-Za-z0-9+/=]{20,}`,
    String.raw`(?<![\w-])gh[pousr]_[A-Za-z0-9]{30,}`,
    String.raw`(?<![\w-])github_pat_[A-Za-z0-9_]{30,}`,
    String.raw`(?<![\w-])xox[abprs]-[A-Za-z0-9-]{10,}`,
    String.raw`(?<![\w-])(?:AKIA|ASIA)[0-9A-Z]{16}(?![\w-])`,
    String.raw`(?<![\w-])AIza[0-9A-Za-z_-]{35}`,
    String.raw`(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`,
    String.raw`(?<![\w-])(?:plps|plst|pladm|plid|plph)_[A-Za-z0-9_-]{20,}`,
  ].join("|"),
  "g",
);

/**
 * A long random-looking token: 32+ characters of [A-Za-z0-9_-] mixing upper case, lower case and digits.
 * Hex digests and UUIDs (one case only, or hyphen-grouped) do not qualify: they are ids, not secrets.
 */
export const GENERIC_TOKEN = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])/g;

export function looksRandom(token: string): boolean {
  const count = (re: RegExp) => token.match(re)?.length ?? 0;
  return count(/[A-Z]/g) >= 2 && count(/[a-z]/g) >= 2 && count(/\d/g) >= 2;
}

/** Emails, also with a URL-encoded '@' (`%40`). File names like `logo@2x.png` are not emails. */
export const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}(?:@|%40)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;

const FILE_EXTENSIONS = /\.(png|jpe?g|gif|svg|webp|avif|ico|bmp|css|js|mjs|map|json|html?|pdf|zip)$/i;

export function isEmail(match: string): boolean {
  return !FILE_EXTENSIONS.test(match);
}

/** 13–19 digits, optionally in groups split by single spaces or hyphens; confirmed with the Luhn check. */
export const CARD_CANDIDATE = /(?<![\w.,]|\d[ -])\d(?:[ -]?\d){12,18}(?![\w]|[ -]\d)/g;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * Phone-number candidates: optional `+country`, optional `(area)`, then digit groups split by single
 * spaces, dots or hyphens. `isPhone` then decides; dates, amounts, versions, IPs and ids are rejected.
 */
export const PHONE_CANDIDATE =
  /(?<![\w/.,#$€£¥+-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,8}(?:[ .-]\d{1,8}){0,5}(?![\w/@%:-]|[.,]\d)/g;

export function isPhone(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, "");
  const international = candidate.startsWith("+");
  const area = candidate.includes("(");
  if (digits.length > 15) return false;
  if (international) return digits.length >= 8;
  // Local formats need a little structure: a bare digit run is an id (or a long digit run, redacted as such).
  const groups = candidate.replace(/[()]/g, "").split(/[ .-]/).filter(Boolean);
  if (!area && groups.length < 2) return false;
  if (digits.length < (area ? 7 : 9)) return false;
  const seps = new Set(candidate.match(/[ .-]/g) ?? []);
  // 192.168.10.200: a dotted quad is an address, 1.2.3 a version.
  if (!area && seps.size === 1 && seps.has(".") && groups.every((g) => g.length <= 3)) return false;
  // 1 234 567 / 12.345.678: thousands grouping of an amount.
  if (!area && groups.slice(1).every((g) => g.length === 3) && groups[0]!.length <= 3) return false;
  return true;
}

/** Ten or more consecutive digits (account and national id numbers, unformatted phone numbers). */
export const LONG_DIGITS = /(?<![\w-])\d{10,}(?![\w-])/g;

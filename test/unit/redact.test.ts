import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redactText, type RedactionKind } from "../../server/llm/redact.js";

/** Redacts and returns the text plus only the non-zero counts, for compact expectations. */
function r(text: string) {
  const out = redactText(text);
  const counts = Object.fromEntries(Object.entries(out.counts).filter(([, n]) => n > 0)) as Partial<Record<RedactionKind, number>>;
  return { text: out.text, counts };
}

describe("redactText — positives", () => {
  it.each([
    ["Contact alice.smith+tag@example.co.uk today", "Contact [email] today"],
    ["mailto:Bob_99@Mail.Example.com", "mailto:[email]"],
    ["/users/alice@example.com/settings", "/users/[email]/settings"],
    ["?email=user%40example.com&x=1", "?email=[email]&x=1"],
  ])("emails: %s", (input, expected) => {
    expect(r(input).text).toBe(expected);
    expect(r(input).counts.email).toBe(1);
  });

  it.each([
    "+1 (415) 555-0123",
    "+14155550123",
    "+44 20 7946 0958",
    "+33 6 12 34 56 78",
    "+49 30 12345678",
    "(415) 555-0123",
    "415-555-0123",
    "415.555.0123",
    "020 7946 0958",
    "07700 900123",
    "06 12 34 56 78",
  ])("phone numbers in international and local formats: %s", (phone) => {
    expect(r(`Call me on ${phone}, thanks`)).toEqual({ text: "Call me on [phone], thanks", counts: { phone: 1 } });
  });

  it.each(["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "5500 0000 0000 0004", "3782 822463 10005", "6011000990139424"])(
    "Luhn-valid card numbers: %s",
    (card) => {
      expect(r(`paid with ${card}.`)).toEqual({ text: "paid with [card].", counts: { card: 1 } });
    },
  );

  it("long digit runs (10 or more digits)", () => {
    expect(r("IBAN digits 12345678901234 and account 9876543210")).toEqual({
      text: "IBAN digits [number] and account [number]",
      counts: { digits: 2 },
    });
  });

  it("secrets in URL query strings and fragments, keeping the parameter name", () => {
    const url = "https://app.example.com/reset?user=42&token=abc123&next=/home&api_key=K1&password=p%40ss#access_token=eyJx&state=ok";
    expect(r(url)).toEqual({
      text: "https://app.example.com/reset?user=42&token=[redacted]&next=/home&api_key=[redacted]&password=[redacted]#access_token=[redacted]&state=ok",
      counts: { secret_param: 4 },
    });
    expect(r("/oauth/callback?code=4/0AX4XfWh-abc&scope=email").text).toBe("/oauth/callback?code=[redacted]&scope=email");
    expect(r("/s?SESSION=x1&Sig=y2&X-Amz-Signature=z3&reset-token=q").counts.secret_param).toBe(4);
    expect(r("/download?auth=1&stripe_secret=2&client_secret=3").counts.secret_param).toBe(3);
  });

  it("labelled secrets in free text", () => {
    expect(r("password: hunter2, api_key=abc123 and secret = 's3cr3t'").text).toBe(
      "password: [redacted], api_key=[redacted] and secret = [redacted]",
    );
  });

  it.each([
    ["Authorization: Bearer abcdef123456.ghijk", "Authorization: Bearer [token]"],
    ["Basic dXNlcjpwYXNzd29yZA==", "Basic [token]"],
    ["key sk-proj-abcdefghijklmnopqrstuvwxyz0123", "key [token]"],
    ["sk_live_4eC39HqLyjWDarjtT1zdp7dc", "[token]"],
    ["ghp_abcdefghijklmnopqrstuvwxyz0123456789", "[token]"],
    ["xoxb-123456789012-abcdefghij", "[token]"],
    ["AKIAIOSFODNN7EXAMPLE", "[token]"],
    ["AIzaSyA-1234567890abcdefghijklmnopqrstu", "[token]"],
    ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "[token]"],
    ["plps_3Jf9sK2lQp0ZxY7wVb5nMc1R", "[token]"],
    ["reset link /r/AbCdEfGh12345678IjKlMnOp90QrStUvWx now", "reset link /r/[token] now"],
  ])("bearer tokens and API-key-looking strings: %s", (input, expected) => {
    expect(r(input).text).toBe(expected);
    expect(r(input).counts.token).toBe(1);
  });

  it("handles several kinds in one text and counts each", () => {
    const out = r("Mail jane@corp.io, call +1 415 555 0123, card 4242 4242 4242 4242, /cb?token=zz");
    expect(out.text).toBe("Mail [email], call [phone], card [card], /cb?token=[redacted]");
    expect(out.counts).toEqual({ email: 1, phone: 1, card: 1, secret_param: 1 });
  });
});

describe("redactText — tricky negatives stay untouched", () => {
  it.each([
    ["prices and amounts", "Total $1,234.56 (€ 1 234 567,89) — was 1.299,00 € — 12 345 678 pts"],
    ["dates and times", "On 2024-01-15 10:30:00, 15/01/2024, 01.02.2024 at 12:30, 2024-01-15T10:30:00Z"],
    ["order numbers in paths", "/orders/123456789/items /orders/555-123-4567 /invoices/INV-2024-00042 Amazon 112-1234567-1234567 order #100234"],
    ["`:id` placeholders", "https://app.example.com/users/:id/settings/:id"],
    ["version numbers", "v10.4.12, 1.2.3, node 20.19.0, build 2024.01.15"],
    ["IP addresses", "from 192.168.100.200 and 10.0.0.1"],
    ["UUIDs and hex digests", "550e8400-e29b-41d4-a716-446655440000 3f786850e387550fdab836ed7e6dc881de23001b"],
    ["not-quite emails", "logo@2x.png, @mention, user@localhost, name at example dot com"],
    ["card-like numbers that fail Luhn", "4111 1111 1111 1112"],
    ["short local numbers without area code", "ext. 555-1234"],
    ["ordinary words near credential names", "Basic information, Token management, Click 'Reset token' button, the password field"],
    ["non-secret query parameters", "/search?q=shoes&page=2&sort=price&utm_source=mail&country_code=GB"],
    ["long words and slugs", "internationalization-and-localization-settings-page Supercalifragilisticexpialidocious"],
  ])("%s", (_what, text) => {
    expect(r(text)).toEqual({ text, counts: {} });
  });
});

describe("redactText — properties", () => {
  const pieces = fc.oneof(
    fc.string(),
    fc.constantFrom("a@b.co", "+1 415 555 0123", "4111 1111 1111 1111", "?token=x", "Bearer abc.def.123", "2024-01-15", "$1,234.56", " ", "/", "-", "@", "."),
    fc.stringMatching(/^[\d .+()-]{0,30}$/),
  );
  const texts = fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join(""));
  // Planted values need a boundary: "a4111 1111 1111 1111" is part of a token, not a card.
  const separated = fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join(" | "));

  it("is idempotent: redacting redacted text changes nothing and counts nothing", () => {
    fc.assert(
      fc.property(texts, (text) => {
        const once = redactText(text);
        const twice = redactText(once.text);
        expect(twice.text).toBe(once.text);
        expect(Object.values(twice.counts).every((n) => n === 0)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("leaves no email, Luhn-valid card or long digit run behind", () => {
    fc.assert(
      fc.property(separated, (text) => {
        const out = redactText(text).text;
        expect(out).not.toMatch(/[A-Za-z0-9._%+-]@[A-Za-z0-9-]+\.(com|co|io|org)\b/);
        expect(out).not.toMatch(/(?<![\w-])\d{10,}(?![\w-])/);
        expect(out).not.toContain("4111 1111 1111 1111");
      }),
      { numRuns: 2000 },
    );
  });

  it("stays fast on long adversarial input (every pattern scans linearly)", () => {
    const adversarial = [
      "a".repeat(100_000),
      "a.".repeat(50_000) + "@",
      "x@" + "a.".repeat(50_000) + "!",
      "1 ".repeat(50_000),
      "1-".repeat(50_000),
      "?" + "k=v&".repeat(25_000),
      "Bearer " + "A".repeat(100_000),
      "%40".repeat(30_000),
    ];
    for (const text of adversarial) {
      const out = redactText(text);
      expect(typeof out.text).toBe("string");
    }
  });
});
